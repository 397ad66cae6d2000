"""A message an earlier worker delivered but never recorded is recorded as sent, whatever
the rules say of it when another worker takes it over (issue 21's fault run found one
judged again, deferred by the borrower's caps, and left off the record)."""

from datetime import timedelta

from django.core import mail
from django.utils import timezone
import pytest

from cases import services as case_services
from cases.models import CaseState
from contacts import outbox
from contacts.gateways import OutgoingMessage
from contacts.gateways.email import EmailGateway
from contacts.gateways.file import FileGateway, delivered
from contacts.models import ContactAttempt, OutboundMessage
from tests.clock import SHANGHAI, local
from tests.contacts.outbox_helpers import frozen, scheduled
from tests.factories import phone_case

State = OutboundMessage.State
NINE = local(SHANGHAI, hour=9)


@pytest.fixture(autouse=True)
def outbox_dir(tmp_path, settings):
    settings.OUTBOX_DIR = tmp_path / "outbox"
    settings.OUTBOX_CLAIM_LEASE_SECONDS = 300
    return settings.OUTBOX_DIR


def worker_that_stops_after_the_gateway(message, at):
    """What a worker killed between the gateway call and its commit leaves: the row
    claimed, the gateway's delivery, nothing recorded."""
    with frozen(at):
        token, ids = outbox.claim_due(at, 1)
        assert ids == [message.pk]
        FileGateway().send(
            OutgoingMessage(
                key=message.idempotency_key,
                channel=message.channel,
                to=message.contact_point.value,
                subject="",
                body="短信正文",
                case_id=message.case_id,
            )
        )


def test_a_delivery_the_borrowers_caps_now_refuse_is_still_recorded_at_its_time(db, sms_template, outbox_dir):
    """CN allows one SMS a day. The first SMS went out and its worker stopped; a live
    worker then sent the second, which the caps allowed because the first was not on
    record. Taken over after its lease, the first must be recorded — not deferred."""
    case = phone_case(dpd=3, rung=CaseState.REMINDER)
    first = scheduled(case, sms_template, NINE)
    second = scheduled(case, sms_template, NINE + timedelta(minutes=1))
    worker_that_stops_after_the_gateway(first, NINE + timedelta(seconds=30))
    with frozen(NINE + timedelta(minutes=2)):
        assert outbox.dispatch_outbox()["sent"] == 1  # the second: the first is still claimed
    second.refresh_from_db()
    assert second.state == State.SENT
    with frozen(NINE + timedelta(minutes=8)):
        counts = outbox.dispatch_outbox()
    assert (counts["sent"], counts["deferred"]) == (1, 0)

    first.refresh_from_db()
    assert first.state == State.SENT and first.claim_expired
    assert first.sent_at == NINE + timedelta(seconds=30) and first.body == "短信正文"
    assert first.provider_message_id == f"file-{first.idempotency_key}"
    attempt = first.attempt
    assert attempt.allowed and attempt.reasons == [] and attempt.started_at == NINE + timedelta(seconds=30)
    assert attempt.message_text == "短信正文"
    assert attempt.history.get().history_change_reason == "sent before its worker stopped"
    # Every delivery is on record, once: the day's count is what the borrower received.
    assert len(delivered("sms", outbox_dir)) == 2
    assert ContactAttempt.objects.filter(case=case, allowed=True).count() == 2
    assert OutboundMessage.objects.filter(case=case, state=State.SENT).count() == 2


def test_a_delivery_before_a_payment_is_recorded_not_suppressed(db, sms_template, outbox_dir):
    case = phone_case(dpd=3, rung=CaseState.REMINDER)
    message = scheduled(case, sms_template, NINE)
    worker_that_stops_after_the_gateway(message, NINE + timedelta(minutes=1))
    with frozen(NINE + timedelta(minutes=2)):
        case_services.record_payment(case.account, case.account.outstanding_total, timezone.now(), "PAID-MEANWHILE")
    with frozen(NINE + timedelta(minutes=8)):
        assert outbox.dispatch_outbox()["sent"] == 1
    message.refresh_from_db()
    assert message.state == State.SENT and message.attempt.started_at == NINE + timedelta(minutes=1)
    assert ContactAttempt.objects.get(case=case).allowed


def test_a_message_its_stopped_worker_never_sent_is_judged_again(db, sms_template, outbox_dir):
    """No delivery at the gateway: the rules decide, as for any message (paid: dropped)."""
    case = phone_case(dpd=3, rung=CaseState.REMINDER)
    message = scheduled(case, sms_template, NINE)
    with frozen(NINE + timedelta(minutes=1)):
        outbox.claim_due(timezone.now(), 1)
        case_services.record_payment(case.account, case.account.outstanding_total, timezone.now(), "PAID-FIRST")
    with frozen(NINE + timedelta(minutes=8)):
        assert outbox.dispatch_outbox()["suppressed"] == 1
    message.refresh_from_db()
    assert message.state == State.SUPPRESSED and message.suppressed_reasons == ["case_closed"]
    assert message.claim_expired
    assert delivered("sms", outbox_dir) == []
    assert not ContactAttempt.objects.filter(allowed=True).exists()


def test_only_a_claim_taken_over_from_a_stopped_worker_is_marked(db, sms_template):
    case = phone_case(dpd=3, rung=CaseState.REMINDER)
    message = scheduled(case, sms_template, NINE)
    outbox.claim_due(NINE, 1)
    message.refresh_from_db()
    assert message.state == State.SENDING and not message.claim_expired
    outbox.claim_due(NINE + timedelta(seconds=301), 1)
    message.refresh_from_db()
    assert message.claim_expired


def test_the_file_gateway_finds_what_it_delivered(tmp_path):
    gateway = FileGateway(tmp_path)
    assert gateway.find_delivery("k-1", "sms") is None
    with frozen(NINE):
        provider_id = gateway.send(OutgoingMessage("k-1", "sms", "+8613800000000", "", "正文", 7))
    found = gateway.find_delivery("k-1", "sms")
    assert (found.provider_id, found.delivered_at, found.body) == (provider_id, NINE, "正文")
    assert gateway.find_delivery("k-1", "email") is None


def test_the_email_gateway_finds_what_it_sent_by_its_marker(settings, tmp_path):
    settings.OUTBOX_DIR = tmp_path
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    gateway = EmailGateway()
    assert gateway.find_delivery("k-2", "email") is None
    before = timezone.now()
    provider_id = gateway.send(OutgoingMessage("k-2", "email", "a@example.com", "Subject", "Body", 7))
    found = gateway.find_delivery("k-2", "email")
    assert found.provider_id == provider_id and found.body is None  # the outbox renders it again
    assert before - timedelta(seconds=2) <= found.delivered_at <= timezone.now() + timedelta(seconds=2)
    assert len(mail.outbox) == 1
