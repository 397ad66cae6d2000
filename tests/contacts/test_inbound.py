"""Inbound messages (``POST /work/hooks/inbound/``, contacts/inbound.py): signed like
delivery receipts; a withdrawal keyword withdraws consent within the request — the next
engine decision refuses, the queued messages it covers are cancelled, one confirmation is
queued — and bad input is refused, logged, and writes nothing."""

import hashlib
import hmac
import json
import logging
import secrets
import time

from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
import pytest

from cases.models import CaseState
from contacts import engine, inbound, outbox
from contacts.models import ConsentRevocation, InboundMessage, MessageTemplate, OutboundMessage, ReceiptNonce
from policy.codes import Channel, Reason, RevocationScope
from tests.clock import NEW_YORK, SHANGHAI, frozen, local
from tests.factories import make_contact_point, phone_case

SECRET = "test-webhook-secret-0123456789-abcdefghijklmnopqrstuvwxyz"
State = OutboundMessage.State
CN_PHONES = ("+8613800000001", "+8613800000002")


@pytest.fixture(autouse=True)
def webhook_secret(settings, tmp_path):
    settings.GATEWAY_WEBHOOK_SECRET = SECRET
    settings.GATEWAY_WEBHOOK_TOLERANCE_SECONDS = 300
    settings.OUTBOX_DIR = tmp_path / "outbox"


def signed(payload, *, secret=SECRET, nonce=None):
    """The call as the provider sends it: the body, and headers signing
    "<timestamp>.<nonce>.<body>" (contacts/webhooks.py)."""
    body = payload if isinstance(payload, bytes) else json.dumps(payload, ensure_ascii=False).encode()
    timestamp = str(int(timezone.now().timestamp()))
    nonce = nonce or secrets.token_urlsafe(24)
    signature = hmac.new(secret.encode(), f"{timestamp}.{nonce}.".encode() + body, hashlib.sha256).hexdigest()
    return body, {"X-Timestamp": timestamp, "X-Nonce": nonce, "X-Signature": signature}


def post(body, headers):
    return Client().post(reverse("contacts:inbound_message"), body, content_type="application/json", headers=headers)


def reply(sender, text, channel="sms", message_id=None, **signing):
    payload = {"channel": channel, "from": sender, "body": text, "message_id": message_id or secrets.token_hex(8)}
    return post(*signed(payload, **signing))


def queued_sms(case, point, minutes=0):
    template, _ = MessageTemplate.objects.get_or_create(
        code="sms-reminder", defaults={"channel": Channel.SMS, "language": "zh-hans", "body": "请还款。",
                                       "approved_at": timezone.now()},
    )  # fmt: skip
    at = local(SHANGHAI, hour=10, minute=minutes)
    return OutboundMessage.objects.create(
        case=case, channel=Channel.SMS, template=template, contact_point=point, slot=at, scheduled_for=at,
        idempotency_key=f"q{case.pk}-{point.pk}-{minutes}",
    )  # fmt: skip


def confirmations(case):
    return OutboundMessage.objects.filter(case=case, template__is_stop_confirmation=True)


def counts():
    return (
        InboundMessage.objects.count(),
        ReceiptNonce.objects.count(),
        ConsentRevocation.objects.count(),
        OutboundMessage.objects.count(),
        list(OutboundMessage.objects.order_by("pk").values_list("state", flat=True)),
    )


# --- recognising a withdrawal ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "keyword"),
    [
        ("STOP", "STOP"),
        ("Stop.", "STOP"),
        ("  stop!! ", "STOP"),
        ("ＳＴＯＰ", "STOP"),
        ("opt   out", "OPT OUT"),
        ("Unsubscribe", "UNSUBSCRIBE"),
        ("退订", "退订"),
        ("退订！", "退订"),
        ("【退订】", "退订"),
        ("取消。", "取消"),
        ("td", "TD"),
        ("T", "T"),
        ("please stop calling me at work", ""),
        ("Stop sending", ""),
        ("I will pay tomorrow", ""),
        ("不要退订", ""),
    ],
)
def test_only_a_whole_message_that_is_a_keyword_withdraws(body, keyword):
    assert inbound.recognised_keyword(body) == keyword


# --- a withdrawal within the request ---------------------------------------------------------------


def test_a_reply_tuiding_withdraws_at_once_and_is_confirmed_once(db):
    case = phone_case(rung=CaseState.REMINDER, phones=CN_PHONES)
    first, second = case.points
    waiting, elsewhere = queued_sms(case, first), queued_sms(case, second, minutes=1)
    at = local(SHANGHAI, hour=12)
    assert engine.evaluate(case, Channel.SMS, at, contact_point=first).allowed

    response = reply("+86 138 0000 0001", "退订")
    assert response.status_code == 200 and response.json() == {"ok": True, "revoked": True}

    message = InboundMessage.objects.get()
    assert (message.keyword, message.contact_point, message.borrower) == ("退订", first, case.account.borrower)
    revocation = message.revocation
    # CN: a reply withdraws at the number it came from (profile.stop_reply_scope).
    assert (revocation.scope, revocation.channel, revocation.contact_point) == (
        RevocationScope.CONTACT_POINT,
        "sms",
        first,
    )
    decision = engine.evaluate(case, Channel.SMS, at, contact_point=first)
    assert not decision.allowed and decision.reasons == (Reason.CONSENT_REQUIRED,)
    assert engine.evaluate(case, Channel.SMS, at, contact_point=second).allowed
    waiting.refresh_from_db(), elsewhere.refresh_from_db()
    assert waiting.state == State.SUPPRESSED and waiting.suppressed_reasons == ["consent_required"]
    assert elsewhere.state == State.SCHEDULED

    (confirmation,) = confirmations(case)
    assert confirmation.template.code == "sms-stop-confirmation" and confirmation.contact_point == first
    assert confirmation.purpose == OutboundMessage.Purpose.STOP_CONFIRMATION

    # A second STOP is recorded and withdraws again, and sends no second confirmation.
    assert reply("+8613800000001", "退订").json() == {"ok": True, "revoked": True}
    assert InboundMessage.objects.count() == 2 and ConsentRevocation.objects.count() == 2
    assert confirmations(case).count() == 1


def test_the_confirmation_passes_the_engine_once(db):
    case = phone_case(rung=CaseState.REMINDER, phones=CN_PHONES)
    with frozen(local(SHANGHAI, hour=10)):
        assert reply("+8613800000001", "退订").status_code == 200
        (confirmation,) = confirmations(case)
        assert outbox.dispatch_outbox()["sent"] == 1
    confirmation.refresh_from_db()
    assert confirmation.state == State.SENT and "退订" in confirmation.body
    # Sent once: the same template again is refused, as the withdrawal stands.
    again = engine.evaluate(
        case, Channel.SMS, local(SHANGHAI, day_offset=8, hour=10), contact_point=case.points[0],
        template=confirmation.template,
    )  # fmt: skip
    assert not again.allowed and Reason.CONSENT_REQUIRED in again.reasons


def test_stop_from_a_us_nyc_borrower_withdraws_the_whole_channel(db):
    case = phone_case(
        profile="US-NYC", zone="America/New_York", rung=CaseState.REMINDER, phones=("+12125550123", "+12125550124")
    )
    case.account.borrower.language = "en"
    case.account.borrower.save()
    other = queued_sms(case, case.points[1])
    assert reply("+12125550123", "Stop.").json() == {"ok": True, "revoked": True}
    revocation = ConsentRevocation.objects.get()
    assert (revocation.scope, revocation.channel, revocation.contact_point) == ("channel", "sms", None)
    at = local(NEW_YORK, hour=12)
    for point in case.points:
        assert Reason.CONSENT_REQUIRED in engine.evaluate(case, Channel.SMS, at, contact_point=point).reasons
    call = engine.evaluate(case, Channel.PHONE_CALL, at, contact_point=case.points[0])
    assert Reason.CONSENT_REQUIRED not in call.reasons  # (refused here only for its rung)
    other.refresh_from_db()
    assert other.state == State.SUPPRESSED
    assert confirmations(case).get().template.code == "sms-stop-confirmation-en"


def test_an_email_unsubscribe_is_matched_whatever_its_case(db):
    case = phone_case(rung=CaseState.REMINDER, phones=CN_PHONES)
    email = make_contact_point(case.account.borrower, "wang.li@example.cn", kind="email")
    assert reply("Wang.Li@Example.CN", "UNSUBSCRIBE", channel="email").json()["revoked"]
    assert ConsentRevocation.objects.get().contact_point == email
    assert not engine.evaluate(case, Channel.EMAIL, local(SHANGHAI, hour=12), contact_point=email).allowed


def test_a_reply_that_is_not_a_keyword_is_kept_and_withdraws_nothing(db):
    case = phone_case(rung=CaseState.REMINDER, phones=CN_PHONES)
    waiting = queued_sms(case, case.points[0])
    response = reply("+8613800000001", "我明天还款，请不要退订我的账户")
    assert response.json() == {"ok": True, "revoked": False}
    message = InboundMessage.objects.get()
    assert message.keyword == "" and not hasattr(message, "revocation")
    assert not ConsentRevocation.objects.exists() and not confirmations(case).exists()
    waiting.refresh_from_db()
    assert waiting.state == State.SCHEDULED
    assert engine.evaluate(case, Channel.SMS, local(SHANGHAI, hour=12), contact_point=case.points[0]).allowed


def test_the_same_message_delivered_twice_is_recorded_once(db):
    phone_case(rung=CaseState.REMINDER, phones=CN_PHONES)
    assert reply("+8613800000001", "STOP", message_id="prov-9").json()["revoked"]
    assert reply("+8613800000001", "STOP", message_id="prov-9").json()["revoked"]
    assert InboundMessage.objects.count() == 1 and ConsentRevocation.objects.count() == 1


# --- bad input: its 4xx, nothing written, a security line -------------------------------------------


def _payload(**changes):
    return {"channel": "sms", "from": "+8613800000001", "body": "STOP", "message_id": "m-1", **changes}


def _bad_signature():
    return signed(_payload(), secret="not-the-secret")


def _unsigned():
    body, headers = signed(_payload())
    return body, {k: v for k, v in headers.items() if k != "X-Signature"}


BAD = {
    "bad signature": (_bad_signature, 403, "bad signature"),
    "missing signature": (_unsigned, 403, "unsigned inbound message"),
    "unknown sender": (lambda: signed(_payload(**{"from": "+8613999999999"})), 404, "unknown sender"),
    "empty body": (lambda: signed(_payload(body="   ")), 400, "body is required"),
    "missing sender": (lambda: signed({"channel": "sms", "body": "STOP", "message_id": "m"}), 400, "from is"),
    "unknown channel": (lambda: signed(_payload(channel="fax")), 400, "channel must be"),
    "not utf-8": (lambda: signed(b'{"channel": "sms", "body": "\xff\xfe"}'), 400, "not UTF-8"),
    "not json": (lambda: signed(b"STOP"), 400, "not JSON"),
    "not an object": (lambda: signed(b"[1, 2]"), 400, "not a JSON object"),
    "empty request": (lambda: signed(b""), 400, "not JSON"),
    "ten megabytes": (lambda: signed(b'{"body": "' + b"x" * 10_000_000 + b'"}'), 413, "too large"),
}


@pytest.mark.parametrize("case_name", list(BAD))
def test_bad_input_is_refused_logged_and_writes_nothing(db, caplog, case_name):
    case = phone_case(rung=CaseState.REMINDER, phones=CN_PHONES)
    queued_sms(case, case.points[0])
    make_call, status, words = BAD[case_name]
    before = counts()
    with caplog.at_level(logging.WARNING, logger="collections.security"):
        response = post(*make_call())
    assert response.status_code == status, response.content
    assert words in response.json()["error"]
    assert counts() == before
    assert any(r.name == "collections.security" and words in r.getMessage() for r in caplog.records)


def test_a_replayed_call_is_refused_and_writes_nothing_more(db, caplog):
    phone_case(rung=CaseState.REMINDER, phones=CN_PHONES)
    body, headers = signed(_payload(body="I will pay"))
    assert post(body, headers).status_code == 200
    before = counts()
    with caplog.at_level(logging.WARNING, logger="collections.security"):
        response = post(body, headers)
    assert response.status_code == 409 and "replayed inbound message" in response.json()["error"]
    assert counts() == before and "replayed inbound message" in caplog.text


def test_the_signature_is_checked_before_the_sender_is_looked_up(db, caplog):
    # Unsigned and from nobody we know: "not authentic", which tells a prober nothing.
    body, headers = signed(_payload(**{"from": "+8613999999999"}), secret="wrong")
    assert post(body, headers).status_code == 403


# --- how long a withdrawal takes ----------------------------------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_withdrawal_is_committed_before_the_answer_leaves():
    """End to end: request in, withdrawal committed (no test transaction wraps this one:
    what the next query sees is committed)."""
    case = phone_case(rung=CaseState.REMINDER, phones=CN_PHONES)
    body, headers = signed(_payload(body="退订"))
    started = time.perf_counter()
    response = post(body, headers)
    elapsed = time.perf_counter() - started
    assert response.json() == {"ok": True, "revoked": True}
    assert ConsentRevocation.objects.filter(borrower=case.account.borrower).exists()
    print(f"\nwithdrawal end to end on {connection.vendor}: {elapsed * 1000:.1f} ms")
    assert elapsed < 2.0
