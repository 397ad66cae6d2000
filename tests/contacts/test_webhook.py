"""The delivery-receipt webhook (contacts/receipts.py): signed over a fresh timestamp and
a single-use nonce, and a receipt only ever moves a sent message forward."""

from datetime import timedelta
import hashlib
import hmac
import json
import os
from pathlib import Path
import secrets
import subprocess
import sys
import threading

from django.core.checks import Error
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
import pytest

from cases.models import CaseState
from contacts import checks, receipts
from contacts.jobs import forget_receipt_nonces
from contacts.models import MessageTemplate, OutboundMessage, ReceiptNonce
from policy.codes import Channel
from tests.clock import frozen
from tests.factories import phone_case

SECRET = "test-webhook-secret-0123456789-abcdefghijklmnopqrstuvwxyz"
State = OutboundMessage.State


@pytest.fixture(autouse=True)
def webhook_secret(settings):
    settings.GATEWAY_WEBHOOK_SECRET = SECRET
    settings.GATEWAY_WEBHOOK_TOLERANCE_SECONDS = 300


def sent_message(provider_id="prov-1", key="hook-1", state=State.SENT):
    case = phone_case(rung=CaseState.REMINDER)
    template, _ = MessageTemplate.objects.get_or_create(
        code="t", defaults={"channel": Channel.SMS, "language": "zh-hans", "body": "x", "approved_at": timezone.now()}
    )
    return OutboundMessage.objects.create(
        case=case,
        channel=Channel.SMS,
        template=template,
        contact_point=case.points[0],
        slot=timezone.now(),
        scheduled_for=timezone.now(),
        idempotency_key=key,
        state=state,
        provider_message_id=provider_id,
    )


def signed(payload, *, secret=SECRET, at=None, nonce=None, timestamp=None):
    """A receipt as the provider sends it (README "Delivery receipts"): the body, and
    headers signing "<timestamp>.<nonce>.<body>"."""
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    timestamp = timestamp or str(int((at or timezone.now()).timestamp()))
    nonce = nonce or secrets.token_urlsafe(24)
    signature = hmac.new(secret.encode(), f"{timestamp}.{nonce}.".encode() + body, hashlib.sha256).hexdigest()
    return body, {"X-Timestamp": timestamp, "X-Nonce": nonce, "X-Signature": signature}


def post(body, headers):
    return Client().post(reverse("contacts:delivery_receipt"), body, content_type="application/json", headers=headers)


def receipt(payload, **signing):
    return post(*signed(payload, **signing))


def test_signed_receipt_marks_the_message_delivered(db):
    message = sent_message()
    response = receipt({"message_id": "prov-1", "status": "delivered"})
    assert response.status_code == 200 and response.json() == {"ok": True, "state": "delivered"}
    message.refresh_from_db()
    assert message.state == State.DELIVERED and message.delivered_at is not None
    assert message.history.first().history_change_reason == "delivery receipt: delivered"


def test_a_failure_report_keeps_the_providers_reason(db):
    message = sent_message()
    assert receipt({"message_id": "prov-1", "status": "failed", "error": "handset off"}).status_code == 200
    message.refresh_from_db()
    assert message.state == State.FAILED and message.last_error == "handset off"


def test_bad_or_missing_signature_is_refused_and_logged(db, caplog):
    message = sent_message()
    assert receipt({"message_id": "prov-1", "status": "delivered"}, secret="not-the-secret").status_code == 403
    assert "bad signature" in caplog.text
    body, headers = signed({"message_id": "prov-1", "status": "delivered"})
    for missing in ("X-Timestamp", "X-Nonce", "X-Signature"):
        assert post(body, {k: v for k, v in headers.items() if k != missing}).status_code == 403
    assert "unsigned receipt" in caplog.text
    message.refresh_from_db()
    assert message.state == State.SENT


def test_the_signature_covers_the_timestamp_and_the_nonce(db):
    message = sent_message()
    body, headers = signed({"message_id": "prov-1", "status": "delivered"})
    later = str(int(headers["X-Timestamp"]) + 60)
    assert post(body, {**headers, "X-Timestamp": later}).status_code == 403
    assert post(body, {**headers, "X-Nonce": secrets.token_urlsafe(24)}).status_code == 403
    message.refresh_from_db()
    assert message.state == State.SENT


def test_a_replayed_receipt_is_refused(db, caplog):
    message = sent_message()
    body, headers = signed({"message_id": "prov-1", "status": "failed", "error": "no such handset"})
    assert post(body, headers).status_code == 200
    replay = post(body, headers)
    assert replay.status_code == 409 and "replayed" in replay.json()["error"]
    assert "replayed receipt" in caplog.text
    assert ReceiptNonce.objects.count() == 1
    message.refresh_from_db()
    assert message.state == State.FAILED


def test_a_receipt_signed_too_long_ago_or_ahead_is_refused(db, caplog):
    message = sent_message()
    now = timezone.now()
    for at in (now - timedelta(seconds=301), now + timedelta(seconds=301)):
        response = receipt({"message_id": "prov-1", "status": "delivered"}, at=at)
        assert response.status_code == 403 and "stale" in response.json()["error"]
    assert "stale receipt" in caplog.text
    message.refresh_from_db()
    assert message.state == State.SENT
    assert receipt({"message_id": "prov-1", "status": "delivered"}, at=now - timedelta(seconds=290)).status_code == 200


@pytest.mark.parametrize("message_id", ["", "   ", None, ["prov-1"]])
def test_a_missing_or_empty_message_id_is_a_bad_request(db, message_id):
    # Messages not sent yet have no provider id: an empty id used to match them all (500).
    sent_message(provider_id="", key="hook-1", state=State.SCHEDULED)
    sent_message(provider_id="", key="hook-2", state=State.SCHEDULED)
    payload = {"status": "delivered"} if message_id is None else {"message_id": message_id, "status": "delivered"}
    response = receipt(payload)
    assert response.status_code == 400 and "message_id is required" in response.json()["error"]
    assert not OutboundMessage.objects.filter(state=State.DELIVERED).exists()


def test_unknown_message_and_bad_payloads(db):
    sent_message()
    assert receipt({"message_id": "nope", "status": "delivered"}).status_code == 404
    assert receipt(b"{not json").status_code == 400
    assert receipt(b'["prov-1", "delivered"]').status_code == 400
    assert receipt({"message_id": "prov-1", "status": "lost"}).status_code == 400
    assert Client().get(reverse("contacts:delivery_receipt")).status_code == 405
    assert OutboundMessage.objects.get().state == State.SENT


def test_delivered_never_goes_back_to_failed(db):
    message = sent_message()
    assert receipt({"message_id": "prov-1", "status": "delivered"}).status_code == 200
    delivered_at = OutboundMessage.objects.get(pk=message.pk).delivered_at
    # A fresh, correctly signed "failed" afterwards (late, or sent by someone holding the secret).
    response = receipt({"message_id": "prov-1", "status": "failed", "error": "handset off"})
    assert response.status_code == 409
    message.refresh_from_db()
    assert message.state == State.DELIVERED and message.last_error == "" and message.delivered_at == delivered_at
    # The same news again changes nothing and is not an error.
    assert receipt({"message_id": "prov-1", "status": "delivered"}).status_code == 200
    message.refresh_from_db()
    assert message.delivered_at == delivered_at


def test_failed_stays_failed_and_unsent_messages_take_no_news(db):
    failed = sent_message()
    assert receipt({"message_id": "prov-1", "status": "failed"}).status_code == 200
    assert receipt({"message_id": "prov-1", "status": "delivered"}).status_code == 409
    assert OutboundMessage.objects.get(pk=failed.pk).state == State.FAILED
    suppressed = sent_message(provider_id="prov-2", key="hook-2", state=State.SUPPRESSED)
    assert receipt({"message_id": "prov-2", "status": "delivered"}).status_code == 409
    assert OutboundMessage.objects.get(pk=suppressed.pk).state == State.SUPPRESSED


def test_without_a_secret_every_receipt_is_refused(db, settings, caplog):
    settings.GATEWAY_WEBHOOK_SECRET = ""
    message = sent_message()
    response = receipt({"message_id": "prov-1", "status": "delivered"}, secret="")
    assert response.status_code == 503
    assert "GATEWAY_WEBHOOK_SECRET is not set" in caplog.text
    message.refresh_from_db()
    assert message.state == State.SENT


def test_used_nonces_are_forgotten_once_their_receipts_would_be_stale(db):
    sent_message()
    now = timezone.now()
    assert receipt({"message_id": "prov-1", "status": "delivered"}, at=now).status_code == 200
    nonce = ReceiptNonce.objects.get()
    assert nonce.expires_at == now.replace(microsecond=0) + timedelta(seconds=300)
    with frozen(nonce.expires_at):
        assert forget_receipt_nonces() == {"forgotten": 0}
    with frozen(nonce.expires_at + timedelta(seconds=1)):
        assert forget_receipt_nonces() == {"forgotten": 1}
    assert not ReceiptNonce.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_same_receipt_sent_twice_at_once_is_taken_once():
    sent_message()
    body, headers = signed({"message_id": "prov-1", "status": "delivered"})
    barrier = threading.Barrier(2)
    statuses = []

    def send():
        try:
            barrier.wait(timeout=20)
            statuses.append(post(body, headers).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(statuses) == [200, 409]
    assert ReceiptNonce.objects.count() == 1


# --- the secret ------------------------------------------------------------------------------


def test_production_needs_its_own_webhook_secret(settings):
    settings.DEBUG = False
    settings.GATEWAY_WEBHOOK_SECRET = ""
    assert [problem.id for problem in checks.webhook_secret_check(None)] == ["contacts.E001"]
    assert all(isinstance(problem, Error) for problem in checks.webhook_secret_check(None))
    settings.GATEWAY_WEBHOOK_SECRET = settings.SECRET_KEY
    assert [problem.id for problem in checks.webhook_secret_check(None)] == ["contacts.E002"]
    settings.GATEWAY_WEBHOOK_SECRET = "short"
    assert [problem.id for problem in checks.webhook_secret_check(None)] == ["contacts.W001"]
    settings.GATEWAY_WEBHOOK_SECRET = SECRET
    assert checks.webhook_secret_check(None) == []
    settings.DEBUG, settings.GATEWAY_WEBHOOK_SECRET = True, ""
    assert checks.webhook_secret_check(None) == []


SETTINGS_PROBE = (
    "import django, json; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({'secret': s.GATEWAY_WEBHOOK_SECRET, 'key': s.SECRET_KEY}))"
)


def _settings_in(var_dir: Path, **env) -> dict:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DEBUG", "SECRET_KEY", "GATEWAY_WEBHOOK_SECRET", "PYTEST_XDIST_WORKER", "REDIS_URL")
    }
    clean.update(DJANGO_SETTINGS_MODULE="collections_site.settings", VAR_DIR=str(var_dir), **env)
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [sys.executable, "-c", SETTINGS_PROBE], cwd=root, env=clean, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_the_webhook_secret_never_falls_back_to_the_secret_key(tmp_path):
    production = _settings_in(tmp_path, DEBUG="false")
    assert production["secret"] == "" and production["key"]
    local = _settings_in(tmp_path, DEBUG="true")
    assert len(local["secret"]) >= 50 and local["secret"] != local["key"]
    assert (tmp_path / "gateway_webhook_secret").read_text().strip() == local["secret"]
    given = _settings_in(tmp_path, DEBUG="false", GATEWAY_WEBHOOK_SECRET="from-the-environment")
    assert given["secret"] == "from-the-environment"


def test_the_signature_helper_matches_the_documented_scheme():
    body = b'{"message_id": "p", "status": "delivered"}'
    expected = hmac.new(b"s", b"1700000000.n." + body, hashlib.sha256).hexdigest()
    assert receipts.signature("s", "1700000000", "n", body) == expected
