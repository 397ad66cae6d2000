"""The outbox: planning, delivering exactly once, waiting for the window, stopping on payment."""

import threading

from django.db import connection
from django.test import override_settings
from django.utils import timezone
import pytest

from cases import services as case_services
from cases.models import CaseState, CollectionCase, ContactPoint
from contacts import outbox
from contacts.gateways import GatewayError, PermanentGatewayError
from contacts.gateways.file import FileGateway, delivered
from contacts.models import ContactAttempt, OutboundMessage
from contacts.services import approve_template, save_template_version
from policy.codes import Channel
from tests.clock import NEW_YORK, SHANGHAI, local
from tests.contacts.outbox_helpers import frozen, scheduled
from tests.factories import make_user, phone_case

State = OutboundMessage.State


@pytest.fixture(autouse=True)
def outbox_dir(tmp_path, settings):
    settings.OUTBOX_DIR = tmp_path / "outbox"
    return settings.OUTBOX_DIR


# --- planning ---------------------------------------------------------------------------


def test_plan_reminders_follows_the_cadence_and_is_idempotent(db, sms_template):
    on_day_3 = phone_case(dpd=3, rung=CaseState.REMINDER)
    on_day_4 = phone_case(dpd=4, rung=CaseState.REMINDER)
    vulnerable = phone_case(dpd=7, rung=CaseState.REMINDER)
    vulnerable.account.borrower.__class__.objects.filter(pk=vulnerable.account.borrower_id).update(vulnerable=True)
    first = outbox.plan_reminders()
    assert first["planned"] == 1
    message = OutboundMessage.objects.get()
    assert message.case_id == on_day_3.pk and message.template == sms_template
    assert timezone.localtime(message.scheduled_for, SHANGHAI).hour == 9
    assert outbox.plan_reminders()["planned"] == 0 and OutboundMessage.objects.count() == 1
    assert not OutboundMessage.objects.filter(case__in=[on_day_4, vulnerable]).exists()


def test_planning_costs_the_same_statements_for_one_case_or_many(db, sms_template):
    """Every case's contact points come in one query, and the messages in one insert:
    nothing is read per case or per contact point (a column the planning reads but the
    engine's point query left out would cost one query per point)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    phone_case(dpd=3, rung=CaseState.REMINDER)
    with CaptureQueriesContext(connection) as one:
        assert outbox.plan_reminders()["planned"] == 1
    OutboundMessage.objects.all().delete()
    for _ in range(6):
        phone_case(dpd=3, rung=CaseState.REMINDER)
    with CaptureQueriesContext(connection) as seven:
        assert outbox.plan_reminders()["planned"] == 7
    assert len(seven.captured_queries) == len(one.captured_queries)
    assert [(m.case_id, m.state) for m in OutboundMessage.objects.order_by("case_id")][0][1] == "scheduled"


def test_unapproved_templates_are_never_planned(db):
    author = make_user("Administrator")
    save_template_version(
        code="sms-reminder", channel=Channel.SMS, language="zh-hans", by=author, body="{borrower_name}"
    )
    phone_case(dpd=1, rung=CaseState.REMINDER)
    assert outbox.plan_reminders() == {"planned": 0, "no_template": 1, "no_contact_point": 0, "already_planned": 0}


# --- delivering -----------------------------------------------------------------------------


def test_due_reminder_is_delivered_once_and_recorded(db, sms_template, outbox_dir):
    case = phone_case(dpd=3, rung=CaseState.REMINDER)
    message = scheduled(case, sms_template, local(SHANGHAI, hour=9))
    with frozen(local(SHANGHAI, hour=9, minute=1)):
        assert outbox.dispatch_outbox()["sent"] == 1
        assert outbox.dispatch_outbox()["sent"] == 0
    sent = delivered("sms", outbox_dir)
    assert len(sent) == 1 and sent[0]["to"] == case.points[0].value and "已逾期3天" in sent[0]["body"]
    assert case.account.borrower.full_name in sent[0]["body"]
    message.refresh_from_db()
    assert message.state == State.SENT and message.attempt.allowed and message.attempt.message_text == sent[0]["body"]
    assert message.attempt.agent is None and message.attempt.template == sms_template


def test_a_0730_reminder_waits_for_the_0800_window(db, sms_template, outbox_dir):
    case = phone_case(profile="US-REGF", zone="America/New_York", phones=("+12125550123",), rung=CaseState.REMINDER)
    message = scheduled(case, sms_template, local(NEW_YORK, hour=7, minute=30))
    with frozen(local(NEW_YORK, hour=7, minute=30)):
        assert outbox.dispatch_outbox()["deferred"] == 1
    message.refresh_from_db()
    assert message.state == State.SCHEDULED and message.scheduled_for == local(NEW_YORK, hour=8)
    with frozen(local(NEW_YORK, hour=7, minute=59)):
        assert outbox.dispatch_outbox() == {
            "sent": 0,
            "deferred": 0,
            "suppressed": 0,
            "retry": 0,
            "failed": 0,
            "skipped": 0,
        }
    assert delivered("sms", outbox_dir) == []
    assert not ContactAttempt.objects.exists()
    with frozen(local(NEW_YORK, hour=8)):
        assert outbox.dispatch_outbox()["sent"] == 1


def test_payment_before_sending_suppresses_the_message(db, sms_template, outbox_dir):
    case = phone_case(dpd=3, rung=CaseState.REMINDER)
    message = scheduled(case, sms_template, local(SHANGHAI, hour=9))
    case_services.record_payment(case.account, case.account.outstanding_total, timezone.now(), "PAYOFF-OUTBOX")
    message.refresh_from_db()
    assert message.state == State.SUPPRESSED and message.suppressed_reasons == ["case_closed"]
    with frozen(local(SHANGHAI, hour=9, minute=5)):
        outbox.dispatch_outbox()
    assert delivered("sms", outbox_dir) == [] and not ContactAttempt.objects.filter(allowed=True).exists()


def test_payment_after_a_worker_claimed_it_is_caught_at_send_time(db, sms_template, outbox_dir):
    case = phone_case(dpd=3, rung=CaseState.REMINDER)
    message = scheduled(case, sms_template, local(SHANGHAI, hour=9))
    with frozen(local(SHANGHAI, hour=9, minute=1)):
        token, ids = outbox.claim_due(timezone.now(), 10)
        assert ids == [message.pk]
        case_services.record_payment(case.account, case.account.outstanding_total, timezone.now(), "PAYOFF-LATE")
        assert outbox.deliver(message.pk, token) == "suppressed"
    message.refresh_from_db()
    assert message.state == State.SUPPRESSED and "case_closed" in message.suppressed_reasons
    assert delivered("sms", outbox_dir) == []
    assert not ContactAttempt.objects.filter(allowed=True).exists()
    assert ContactAttempt.objects.get().reasons == ["case_closed"]  # the refusal is on record


class FlakyGateway(FileGateway):
    """Fails the first time it sees each key, then delivers."""

    failures_left: dict = {}

    def send(self, message):
        if self.failures_left.get(message.key, 1) > 0:
            self.failures_left[message.key] = self.failures_left.get(message.key, 1) - 1
            raise GatewayError("provider timed out")
        return super().send(message)


class RefusingGateway(FileGateway):
    def send(self, message):
        raise PermanentGatewayError("number barred by the carrier")


def test_a_batch_judges_each_borrower_once_at_a_time(db, sms_template, outbox_dir, django_assert_max_num_queries):
    """Messages are judged and recorded together, but two to one borrower are not judged
    against the same counts: the second waits for the first (CN allows one SMS a day)."""
    cases = [phone_case(dpd=3, rung=CaseState.REMINDER) for _ in range(12)]
    at = local(SHANGHAI, hour=9)
    for case in cases:
        scheduled(case, sms_template, at)
    second = OutboundMessage.objects.create(
        case=cases[0],
        channel=Channel.SMS,
        template=sms_template,
        contact_point=cases[0].points[0],
        slot=at + timezone.timedelta(minutes=1),
        scheduled_for=at,
        idempotency_key="second-for-borrower-0",
    )
    with frozen(local(SHANGHAI, hour=9, minute=5)), django_assert_max_num_queries(60):
        counts = outbox.dispatch_outbox()
    assert (counts["sent"], counts["deferred"]) == (12, 1)
    second.refresh_from_db()
    assert second.state == State.SCHEDULED and timezone.localtime(second.scheduled_for, SHANGHAI).date() > at.date()
    assert len(delivered("sms", outbox_dir)) == 12
    sent = ContactAttempt.objects.filter(allowed=True, channel=Channel.SMS)
    assert sent.count() == 12 and all(attempt.history.exists() for attempt in sent)
    assert set(OutboundMessage.objects.filter(state=State.SENT).values_list("attempt__case_id", flat=True)) == {
        case.pk for case in cases
    }


def test_a_letter_sent_by_the_outbox_starts_the_written_notice_lead_time(db, outbox_dir):
    from cases.models import CaseEvent

    author, reviewer = make_user("Administrator"), make_user("Compliance reviewer")
    letter = approve_template(
        save_template_version(
            code="formal-notice",
            channel=Channel.LETTER,
            language="zh-hans",
            by=author,
            subject="催收通知",
            body="【{lender_name}】{borrower_name}您好，贷款{loan_number}已逾期{days_past_due}天。",
        ),
        by=reviewer,
    )
    case = phone_case(dpd=40, rung=CaseState.WRITTEN_NOTICE)
    address = ContactPoint.objects.create(borrower=case.account.borrower, kind="postal", value="上海市人民路1号")
    at = local(SHANGHAI, hour=10)
    OutboundMessage.objects.create(
        case=case,
        channel=Channel.LETTER,
        template=letter,
        contact_point=address,
        slot=at,
        scheduled_for=at,
        idempotency_key="letter-1",
    )
    with frozen(local(SHANGHAI, hour=10, minute=5)):
        assert outbox.dispatch_outbox()["sent"] == 1
    case = CollectionCase.objects.get(pk=case.pk)
    assert case.written_notice_sent_at == local(SHANGHAI, hour=10, minute=5)
    assert case.history.first().history_change_reason == "written notice sent"
    assert case.events.filter(kind=CaseEvent.Kind.NOTICE).count() == 1
    assert len(delivered("letter", outbox_dir)) == 1


def test_gateway_error_is_retried_with_backoff_and_sent_once(db, sms_template, outbox_dir, settings):
    settings.CONTACT_GATEWAYS = {**settings.CONTACT_GATEWAYS, "sms": "tests.contacts.test_outbox.FlakyGateway"}
    FlakyGateway.failures_left = {}
    case = phone_case(dpd=3, rung=CaseState.REMINDER)
    message = scheduled(case, sms_template, local(SHANGHAI, hour=9))
    with frozen(local(SHANGHAI, hour=9, minute=1)):
        assert outbox.dispatch_outbox()["retry"] == 1
    message.refresh_from_db()
    assert message.state == State.SCHEDULED and message.tries == 1 and "timed out" in message.last_error
    assert message.scheduled_for == local(SHANGHAI, hour=9, minute=2)
    assert not ContactAttempt.objects.exists()  # a failed send is not a contact
    with frozen(local(SHANGHAI, hour=9, minute=2)):
        assert outbox.dispatch_outbox()["sent"] == 1
    assert len(delivered("sms", outbox_dir)) == 1 and ContactAttempt.objects.count() == 1


def test_permanent_gateway_error_fails_without_retry(db, sms_template, settings):
    settings.CONTACT_GATEWAYS = {**settings.CONTACT_GATEWAYS, "sms": "tests.contacts.test_outbox.RefusingGateway"}
    case = phone_case(dpd=3, rung=CaseState.REMINDER)
    message = scheduled(case, sms_template, local(SHANGHAI, hour=9))
    with frozen(local(SHANGHAI, hour=9, minute=1)):
        assert outbox.dispatch_outbox()["failed"] == 1
    message.refresh_from_db()
    assert message.state == State.FAILED and "barred" in message.last_error


def test_file_gateway_is_idempotent_by_key(tmp_path):
    from contacts.gateways import OutgoingMessage

    gateway = FileGateway(tmp_path)
    message = OutgoingMessage(key="k1", channel="sms", to="+8613800000001", subject="", body="hi", case_id=1)
    assert gateway.send(message) == gateway.send(message)
    assert len(delivered("sms", tmp_path)) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_dispatchers_at_once_send_each_message_once(outbox_dir):
    author, reviewer = make_user("Administrator"), make_user("Compliance reviewer")
    template = approve_template(
        save_template_version(
            code="sms-reminder",
            channel=Channel.SMS,
            language="zh-hans",
            by=author,
            body="【{lender_name}】{borrower_name}",
        ),
        by=reviewer,
    )
    cases = [phone_case(dpd=3, rung=CaseState.REMINDER, phones=(f"+86138000002{i:02d}",)) for i in range(30)]
    slot = local(SHANGHAI, hour=9)
    for case in cases:
        scheduled(case, template, slot)
    barrier = threading.Barrier(2)
    results = []

    def run():
        try:
            barrier.wait(timeout=20)
            with override_settings(OUTBOX_DIR=outbox_dir):
                results.append(outbox.dispatch_outbox(batch=30))
        finally:
            connection.close()

    with frozen(local(SHANGHAI, hour=10)):
        threads = [threading.Thread(target=run) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    assert sum(r["sent"] for r in results) == 30
    assert len(delivered("sms", outbox_dir)) == 30
    assert ContactAttempt.objects.filter(allowed=True).count() == 30
    assert OutboundMessage.objects.filter(state=State.SENT).count() == 30
