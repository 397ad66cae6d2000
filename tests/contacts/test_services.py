import threading

from django.db import connection
import pytest

from cases.models import CaseState, CollectionCase, ContactPoint, Hold
from contacts.models import ContactAttempt, MessageTemplate
from contacts.services import (
    ContactBlocked,
    TemplateError,
    approve_template,
    record_attempt,
    render_template,
    save_template_version,
)
from core.exceptions import NotPermitted
from policy.codes import Channel, Outcome, Reason
from policy.selectors import current_profile
from tests.clock import NEW_YORK, SHANGHAI, local
from tests.factories import make_user, past, phone_case


def assigned(case, collector):
    case.assigned_collector = collector
    case.save(update_fields=["assigned_collector"])  # with its history row, as assign_case does
    return case


def test_allowed_attempt_is_stored_with_its_decision(db, collector):
    case = assigned(phone_case(), collector)
    attempt = record_attempt(
        case,
        Channel.PHONE_CALL,
        Outcome.RIGHT_PARTY,
        by=collector,
        at=local(SHANGHAI),
        contact_point=case.points[0],
        note="Will pay Friday",
    )
    assert attempt.allowed and attempt.reasons == [] and attempt.profile.label == current_profile("CN").label
    assert attempt.conversation and attempt.party_reached == "borrower"
    assert attempt.history.first().history_user == collector


def test_blocked_attempt_is_stored_then_raised(db, collector):
    case = assigned(phone_case(), collector)
    with pytest.raises(ContactBlocked) as blocked:
        record_attempt(
            case,
            Channel.PHONE_CALL,
            Outcome.NO_ANSWER,
            by=collector,
            at=local(SHANGHAI, hour=23),
            contact_point=case.points[0],
        )
    attempt = blocked.value.attempt
    assert ContactAttempt.objects.get(pk=attempt.pk).allowed is False
    assert attempt.reasons == [Reason.OUTSIDE_HOURS] and attempt.outcome == ""
    assert attempt.next_allowed_at == local(SHANGHAI, day_offset=8, hour=8)
    assert "23:00" in str(blocked.value)


def test_requests_cease_places_a_cease_hold(db, collector):
    case = assigned(phone_case(), collector)
    record_attempt(
        case, Channel.PHONE_CALL, Outcome.REQUESTS_CEASE, by=collector, at=local(SHANGHAI), contact_point=case.points[0]
    )
    case = CollectionCase.objects.get(pk=case.pk)
    assert case.state == CaseState.ON_HOLD
    assert case.holds.get().kind == Hold.Kind.CEASE_COMMUNICATION


def test_disputes_debt_places_a_dispute_hold(db, collector):
    case = assigned(phone_case(), collector)
    record_attempt(
        case,
        Channel.PHONE_CALL,
        Outcome.DISPUTES_DEBT,
        by=collector,
        at=local(SHANGHAI),
        contact_point=case.points[0],
        note="Says the fee was never agreed",
    )
    hold = CollectionCase.objects.get(pk=case.pk).holds.get()
    assert hold.kind == Hold.Kind.DISPUTE and "fee was never agreed" in hold.note


def test_wrong_number_marks_the_point_invalid(db, collector):
    case = assigned(phone_case(), collector)
    record_attempt(
        case, Channel.PHONE_CALL, Outcome.WRONG_NUMBER, by=collector, at=local(SHANGHAI), contact_point=case.points[0]
    )
    point = ContactPoint.objects.get(pk=case.points[0].pk)
    assert point.is_invalid and point.invalid_since == local(SHANGHAI)


def test_a_letter_a_person_records_does_not_start_the_written_notice_lead_time(db, collector):
    """Only a letter the outbox sent starts the clock towards a field visit
    (tests/contacts/test_outbox.py); a letter a collector says they sent does not."""
    case = assigned(phone_case(rung=CaseState.WRITTEN_NOTICE), collector)
    address = ContactPoint.objects.create(borrower=case.account.borrower, kind="postal", value="上海市人民路1号")
    attempt = record_attempt(
        case, Channel.LETTER, Outcome.SENT, by=collector, at=local(SHANGHAI), contact_point=address
    )
    assert attempt.allowed
    assert CollectionCase.objects.get(pk=case.pk).written_notice_sent_at is None


def test_collector_cannot_record_on_another_collectors_case(db, collector, other_collector):
    case = assigned(phone_case(), other_collector)
    with pytest.raises(NotPermitted):
        record_attempt(
            case, Channel.PHONE_CALL, Outcome.NO_ANSWER, by=collector, at=local(SHANGHAI), contact_point=case.points[0]
        )
    assert not ContactAttempt.objects.exists()


def test_supervisor_overrides_an_overridable_refusal_with_a_reason(db, collector, supervisor):
    case = assigned(phone_case(profile="US-REGF", zone="America/New_York", phones=("+12125550123",)), collector)
    past(case, local(NEW_YORK, day_offset=5, hour=10), outcome=Outcome.RIGHT_PARTY, conversation=True)
    at = local(NEW_YORK, hour=10)
    # The callback itself: a week after this conversation, when Reg F allows the next call.
    callback_at = local(NEW_YORK, day_offset=14, hour=10)
    with pytest.raises(ContactBlocked):
        record_attempt(
            case,
            Channel.PHONE_CALL,
            Outcome.CALLBACK,
            by=collector,
            at=at,
            contact_point=case.points[0],
            callback_at=callback_at,
        )
    with pytest.raises(NotPermitted):
        record_attempt(
            case,
            Channel.PHONE_CALL,
            Outcome.CALLBACK,
            by=collector,
            at=at,
            contact_point=case.points[0],
            overridden_by=collector,
            override_reason="Borrower asked for a call today",
            callback_at=callback_at,
        )
    attempt = record_attempt(
        case,
        Channel.PHONE_CALL,
        Outcome.CALLBACK,
        by=collector,
        at=at,
        contact_point=case.points[0],
        overridden_by=supervisor,
        override_reason="Borrower asked on the 5th to be called back today (prior consent)",
        callback_at=callback_at,
    )
    assert attempt.allowed and attempt.was_overridden and attempt.reasons == [Reason.POST_CONVERSATION_WAIT]


def test_hard_refusals_cannot_be_overridden(db, collector, supervisor):
    case = assigned(phone_case(profile="US-REGF", zone="America/New_York", phones=("+12125550123",)), collector)
    ContactPoint.objects.filter(pk=case.points[0].pk).update(opted_out=True)
    case.points[0].refresh_from_db()
    with pytest.raises(ContactBlocked) as blocked:
        record_attempt(
            case,
            Channel.PHONE_CALL,
            Outcome.NO_ANSWER,
            by=collector,
            at=local(NEW_YORK),
            contact_point=case.points[0],
            overridden_by=supervisor,
            override_reason="urgent, really",
        )
    assert blocked.value.attempt.allowed is False and not blocked.value.decision.overridable


@pytest.mark.parametrize(
    "outcome, channel, point, message",
    [
        ("shouted", Channel.PHONE_CALL, True, "Unknown outcome"),
        ("", Channel.PHONE_CALL, True, "outcome"),
        (Outcome.NO_ANSWER, Channel.PHONE_CALL, False, "needs a contact point"),
    ],
)
def test_bad_requests_are_refused_and_store_nothing(db, collector, outcome, channel, point, message):
    from contacts.engine import ContactRequestError

    case = assigned(phone_case(), collector)
    with pytest.raises(ContactRequestError, match=message):
        record_attempt(
            case, channel, outcome, by=collector, at=local(SHANGHAI), contact_point=case.points[0] if point else None
        )
    assert not ContactAttempt.objects.exists()


# --- templates -------------------------------------------------------------------------


def test_templates_render_only_after_approval_and_only_allowed_variables(db, administrator, reviewer):
    template = save_template_version(
        code="sms-dpd1",
        channel=Channel.SMS,
        language="zh-hans",
        by=administrator,
        body="{borrower_name}您好，贷款{loan_number}逾期{days_past_due}天，应还{amount_due}{currency}。",
    )
    case = phone_case()
    with pytest.raises(TemplateError, match="not approved"):
        render_template(template, case)
    with pytest.raises(NotPermitted, match="other than its author"):
        approve_template(template, by=_with_role(administrator, "Compliance reviewer"))
    template = approve_template(template, by=reviewer)
    _, body = render_template(template, case)
    assert case.account.borrower.full_name in body and "逾期40天" in body and "{" not in body


def _with_role(user, role):
    from django.contrib.auth.models import Group

    user.groups.add(Group.objects.get(name=role))
    return type(user).objects.get(pk=user.pk)


@pytest.mark.parametrize(
    "body, message",
    [
        ("Dear {borrower_name}, your national ID {national_id} ...", "Unknown variables: {national_id}"),
        ("Pay now or the police will arrest you.", "Prohibited content"),
        ("不还款将列入黑名单", "Prohibited content"),
        ("Unbalanced {borrower_name", "Unbalanced braces"),
    ],
)
def test_bad_templates_are_refused(db, administrator, body, message):
    with pytest.raises(TemplateError, match=message):
        save_template_version(code="bad", channel=Channel.SMS, language="en", body=body, by=administrator)
    assert not MessageTemplate.objects.filter(code="bad").exists()  # the shipped templates aside


def test_editing_a_template_makes_a_new_unapproved_version(db, administrator, reviewer):
    first = approve_template(
        save_template_version(
            code="email-week", channel=Channel.EMAIL, language="en", body="Hello {borrower_name}", by=administrator
        ),
        by=reviewer,
    )
    second = save_template_version(
        code="email-week",
        channel=Channel.EMAIL,
        language="en",
        body="Hello {borrower_name}, please call {hotline}",
        by=administrator,
    )
    assert (second.version, second.is_approved) == (2, False)
    assert MessageTemplate.objects.get(pk=first.pk).is_approved


# --- concurrency ---------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_twenty_agents_at_once_never_exceed_the_cap():
    case = phone_case(profile="US-REGF", zone="America/New_York", phones=("+12125550123",))
    supervisor = make_user("Supervisor")
    at = local(NEW_YORK, hour=12)
    barrier = threading.Barrier(20)
    results = []

    def call(minute):
        try:
            barrier.wait(timeout=20)
            record_attempt(
                case, Channel.PHONE_CALL, Outcome.NO_ANSWER, by=supervisor, at=at, contact_point=case.points[0]
            )
            results.append("allowed")
        except ContactBlocked:
            results.append("blocked")
        finally:
            connection.close()

    threads = [threading.Thread(target=call, args=(i,)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(results).count("allowed") == 7 and len(results) == 20
    assert ContactAttempt.objects.filter(case=case, allowed=True).count() == 7
    assert ContactAttempt.objects.filter(case=case, allowed=False, reasons__contains=["weekly_cap"]).count() == 13


def test_a_call_logged_after_the_fact_counts_the_calls_that_followed_it(db, collector):
    """Logging a 09:00 call at 15:00 must see the 10:00–14:00 calls already recorded."""
    case = assigned(phone_case(), collector)
    for hour in (10, 11):
        past(case, local(SHANGHAI, day_offset=-1, hour=hour), outcome=Outcome.RIGHT_PARTY)
    past(case, local(SHANGHAI, day_offset=-1, hour=14), outcome=Outcome.RIGHT_PARTY)
    with pytest.raises(ContactBlocked) as blocked:
        record_attempt(
            case,
            Channel.PHONE_CALL,
            Outcome.RIGHT_PARTY,
            by=collector,
            at=local(SHANGHAI, day_offset=-1, hour=9),
            contact_point=case.points[0],
        )
    assert blocked.value.decision.reasons == (Reason.DAILY_CAP,)


def test_a_recorded_attempt_is_stored_like_an_outbox_one(db, collector):
    """Both paths go through contacts/recording.py: one history row naming who recorded
    the attempt and why, sealed in the ledger in the same transaction."""
    from audit.ledger import seal_pending, verify_chain
    from audit.models import AuditLedger

    case = assigned(phone_case(), collector)
    attempt = record_attempt(
        case, Channel.PHONE_CALL, Outcome.NO_ANSWER, by=collector, at=local(SHANGHAI), contact_point=case.points[0]
    )
    history = ContactAttempt.history.get(id=attempt.pk)
    seal_pending()  # after commit, as the sealer does
    assert (history.history_user, history.history_change_reason, history.agent_id) == (
        collector,
        "allowed",
        collector.pk,
    )
    assert AuditLedger.objects.filter(table_name=history._meta.db_table, row_pk=history.pk).count() == 1
    assert verify_chain().ok
