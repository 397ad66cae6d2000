"""A worker killed between sending and recording: the message still goes out exactly once."""

from datetime import datetime, timedelta
import os
from pathlib import Path
import signal
import subprocess
import sys
import time
from zoneinfo import ZoneInfo

from django.db import connection
from django.test import override_settings
from django.utils import timezone
import pytest

from cases import services as case_services
from cases.models import CaseState, CollectionCase
from contacts import outbox
from contacts.gateways.file import delivered
from contacts.models import ContactAttempt, OutboundMessage
from contacts.services import approve_template, save_template_version
from policy.codes import Channel
from tests.factories import make_user, phone_case

ROOT = Path(__file__).resolve().parents[2]
# Zones spread around the clock: one of them is always in the middle of its day.
ZONES = [
    "Pacific/Honolulu",
    "America/Anchorage",
    "America/Los_Angeles",
    "America/Denver",
    "America/Chicago",
    "America/New_York",
    "America/Sao_Paulo",
    "Atlantic/Azores",
    "Europe/London",
    "Europe/Berlin",
    "Europe/Moscow",
    "Asia/Dubai",
    "Asia/Karachi",
    "Asia/Dhaka",
    "Asia/Bangkok",
    "Asia/Shanghai",
    "Asia/Tokyo",
    "Australia/Sydney",
    "Pacific/Noumea",
    "Pacific/Auckland",
]


def a_zone_in_daytime() -> str:
    now = timezone.now()
    return next(zone for zone in ZONES if 10 <= now.astimezone(ZoneInfo(zone)).hour < 18)


def database_url() -> str:
    config = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{config['NAME']}"
    return f"postgres://{config['USER']}@{config['HOST']}:{config['PORT']}/{config['NAME']}"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("paid_meanwhile", [False, True], ids=["nothing-changed", "paid-before-the-takeover"])
def test_worker_killed_after_sending_but_before_recording_sends_exactly_once(tmp_path, paid_meanwhile):
    """Taken over after its lease, the message is recorded as sent once — also when the
    rules would refuse it by then (a payment here): the borrower has it."""
    author, reviewer = make_user("Administrator"), make_user("Compliance reviewer")
    template = approve_template(
        save_template_version(
            code="sms-reminder-en", channel=Channel.SMS, language="en", by=author, body="Hello {borrower_name}"
        ),
        by=reviewer,
    )
    case = phone_case(profile="US-REGF", zone=a_zone_in_daytime(), phones=("+18005550199",), rung=CaseState.REMINDER)
    slot = timezone.now() - timedelta(minutes=1)
    message = OutboundMessage.objects.create(
        case=case,
        channel=Channel.SMS,
        template=template,
        contact_point=case.points[0],
        slot=slot,
        scheduled_for=slot,
        idempotency_key=OutboundMessage.key_for(case.pk, template.pk, slot),
    )
    outbox_dir = tmp_path / "outbox"

    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "OUTBOX_DIR": str(outbox_dir),
        "SMS_GATEWAY": "tests.contacts.crash_gateway.HangingFileGateway",
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "collections_site.settings",
    }
    env.pop("REDIS_URL", None)
    worker = subprocess.Popen(
        [sys.executable, "-c", "import django; django.setup(); from contacts import outbox; outbox.dispatch_outbox()"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not delivered("sms", outbox_dir):
            assert worker.poll() is None, worker.stdout.read().decode()
            time.sleep(0.1)
        assert len(delivered("sms", outbox_dir)) == 1, "the worker never reached the gateway"
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)

    # Killed mid-send: claimed, delivered by the provider, but nothing recorded.
    message.refresh_from_db()
    assert message.state == OutboundMessage.State.SENDING and not ContactAttempt.objects.exists()
    if paid_meanwhile:
        case_services.record_payment(case.account, case.account.outstanding_total, timezone.now(), "PAID-AFTER-SEND")

    # Restarted: once the claim's lease is over, another worker finishes it.
    with override_settings(OUTBOX_DIR=outbox_dir, OUTBOX_CLAIM_LEASE_SECONDS=0):
        assert outbox.dispatch_outbox()["sent"] == 1
        assert outbox.dispatch_outbox()["sent"] == 0
    message.refresh_from_db()
    assert message.state == OutboundMessage.State.SENT
    assert len(delivered("sms", outbox_dir)) == 1
    assert ContactAttempt.objects.filter(allowed=True).count() == 1
    assert message.provider_message_id == delivered("sms", outbox_dir)[0]["id"]
    assert message.attempt.started_at == datetime.fromisoformat(delivered("sms", outbox_dir)[0]["written_at"])
    assert CollectionCase.objects.get(pk=case.pk).state == (
        CaseState.RESOLVED if paid_meanwhile else CaseState.REMINDER
    )


def test_a_live_claim_is_not_taken_over_before_its_lease_ends(db):
    author, reviewer = make_user("Administrator"), make_user("Compliance reviewer")
    template = approve_template(
        save_template_version(code="sms-x", channel=Channel.SMS, language="en", by=author, body="Hello"), by=reviewer
    )
    case = phone_case(rung=CaseState.REMINDER)
    slot = timezone.now() - timedelta(minutes=1)
    OutboundMessage.objects.create(
        case=case,
        channel=Channel.SMS,
        template=template,
        contact_point=case.points[0],
        slot=slot,
        scheduled_for=slot,
        idempotency_key="k-live",
    )
    now = timezone.now()
    _, first = outbox.claim_due(now, 10)
    _, second = outbox.claim_due(now + timedelta(seconds=299), 10)
    _, third = outbox.claim_due(now + timedelta(seconds=301), 10)
    assert (len(first), second, len(third)) == (1, [], 1)
