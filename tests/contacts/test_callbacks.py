"""Callbacks (contacts/callbacks.py): a time agreed with the borrower is judged by the contact
rules as a phone call at that time, refused with the next allowed time when the rules
forbid it, one pending per case, made by the next call, cancelled when the case closes."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
import pytest

from audit.models import AuditQueue
from cases import services as case_services
from cases.event_text import EventCode
from cases.models import CaseEvent, CollectionCase
from cases.selectors import case_timeline
from contacts.models import Callback, ContactAttempt
from contacts.services import (
    CallbackError,
    CallbackRefused,
    ContactBlocked,
    next_callback_slots,
    record_attempt,
    schedule_callback,
)
from core.exceptions import NotPermitted
from policy.codes import Channel, Outcome, Reason
from tests.clock import NEW_YORK, SHANGHAI, ago, frozen, local
from tests.factories import make_contact_point, make_user, past, phone_case

Status = Callback.Status
US_PHONE = ("+12125550123",)


def assigned(case, collector, supervisor):
    case_services.assign_case(case, collector, by=supervisor)
    case.refresh_from_db()
    return case


@pytest.fixture
def shanghai_case(collector, supervisor):
    """A CN borrower at home in Shanghai (the server's zone), assigned to ``collector``."""
    return assigned(phone_case(), collector, supervisor)


@pytest.fixture
def new_york_case(collector, supervisor):
    """A Reg F borrower in New York: twelve or thirteen hours behind the server."""
    return assigned(phone_case(profile="US-REGF", zone="America/New_York", phones=US_PHONE), collector, supervisor)


def _nothing_written(case):
    assert not ContactAttempt.objects.filter(case=case).exists()
    assert not ContactAttempt.history.filter(case_id=case.pk).exists()
    assert not Callback.objects.filter(case=case).exists()
    assert not Callback.history.filter(case_id=case.pk).exists()
    assert not CaseEvent.objects.filter(case=case, code=EventCode.CALLBACK_SCHEDULED).exists()


# --- scheduling ---------------------------------------------------------------------------


def test_a_time_inside_the_borrowers_hours_is_agreed(db, shanghai_case, collector):
    due = local(SHANGHAI, day_offset=1, hour=10)
    callback = schedule_callback(shanghai_case, due, by=collector, note="After payday")
    callback.refresh_from_db()
    assert (callback.status, callback.due_at, callback.note, callback.created_by) == (
        Status.PENDING,
        due,
        "After payday",
        collector,
    )
    assert callback.contact_point == shanghai_case.points[0]  # the borrower's phone by default
    assert callback.requested_in is None and callback.closed_at is None
    version = callback.history.get()
    assert (version.history_user, version.history_change_reason) == (collector, "callback scheduled")
    # The queue: pending, and due once its time has come.
    assert list(Callback.objects.pending()) == [callback]
    assert list(Callback.objects.due(due)) == [callback]
    assert not Callback.objects.due(due - timedelta(minutes=1)).exists()


def test_outside_the_borrowers_hours_is_refused_with_the_window_opening_in_their_zone(db, new_york_case, collector):
    late = local(NEW_YORK, day_offset=2, hour=22)  # 22:00 in New York, late morning in Shanghai
    with pytest.raises(CallbackRefused) as refused:
        schedule_callback(new_york_case, late, by=collector)
    opening = local(NEW_YORK, day_offset=3, hour=8)
    assert refused.value.decision.reasons == (Reason.OUTSIDE_HOURS,)
    assert refused.value.next_allowed_at == opening
    message = str(refused.value)
    # Why, and from when, in the borrower's time with their zone named.
    assert "22:00" in message and "contact only 08:00–21:00" in message
    assert f"Allowed again from {opening.day} {opening:%b %Y} 08:00 {opening.tzname()}." in message
    _nothing_written(new_york_case)
    # The form offers the opening and the hours after it; the first is agreed.
    slots = next_callback_slots(new_york_case, refused.value.next_allowed_at)
    assert slots == [opening, opening + timedelta(hours=1), opening + timedelta(hours=2)]
    assert schedule_callback(new_york_case, slots[0], by=collector).due_at == opening


def test_a_time_past_the_weekly_cap_is_refused_until_the_window_frees_a_slot(db, new_york_case, collector):
    for day in range(1, 8):  # seven calls placed on seven dates: Reg F's presumption
        past(new_york_case, local(NEW_YORK, day_offset=day, hour=12))
    with pytest.raises(CallbackRefused) as refused:
        schedule_callback(new_york_case, local(NEW_YORK, day_offset=7, hour=15), by=collector)
    assert refused.value.decision.reasons == (Reason.WEEKLY_CAP,)
    assert refused.value.next_allowed_at == local(NEW_YORK, day_offset=8, hour=8)
    assert "7 calls about this debt in 7 days (limit 7)" in str(refused.value)
    assert not Callback.objects.exists()
    assert schedule_callback(new_york_case, local(NEW_YORK, day_offset=8, hour=8), by=collector)


def test_a_past_naive_or_too_distant_time_is_a_callback_error_not_a_refusal(db, shanghai_case, collector):
    horizon = shanghai_case.policy_profile.promise_max_days
    for wrong, says in [
        (ago(minutes=5), "in the future"),
        (datetime(2030, 1, 1, 10, 0), "time zone"),
        (timezone.now() + timedelta(days=horizon, hours=1), f"at most {horizon} days ahead"),
    ]:
        with pytest.raises(CallbackError) as error:
            schedule_callback(shanghai_case, wrong, by=collector)
        assert type(error.value) is CallbackError and says in str(error.value)
    assert not Callback.objects.exists()
    # Just inside the profile's horizon (the promise-to-pay one) is fine.
    assert schedule_callback(shanghai_case, local(SHANGHAI, day_offset=horizon - 1, hour=10), by=collector)


def test_a_callback_goes_to_one_of_the_borrowers_valid_phones(db, shanghai_case, collector):
    email = make_contact_point(shanghai_case.account.borrower, "someone@example.com", kind="email")
    with pytest.raises(CallbackError, match="phone numbers"):
        schedule_callback(shanghai_case, local(SHANGHAI, day_offset=1), by=collector, contact_point=email)
    shanghai_case.points[0].is_invalid = True
    shanghai_case.points[0].save()
    with pytest.raises(CallbackError, match="no valid phone"):
        schedule_callback(shanghai_case, local(SHANGHAI, day_offset=1), by=collector)
    assert not Callback.objects.exists()


def test_a_second_time_replaces_the_first(db, shanghai_case, collector):
    first = schedule_callback(shanghai_case, local(SHANGHAI, day_offset=1, hour=10), by=collector)
    second = schedule_callback(shanghai_case, local(SHANGHAI, day_offset=2, hour=15), by=collector)
    first.refresh_from_db()
    assert first.status == Status.CANCELLED and first.closed_at is not None and first.closed_in is None
    assert first.history.first().history_change_reason == "callback replaced"
    assert list(Callback.objects.pending()) == [second]
    # The database holds the rule too: never two pending callbacks on one case.
    with pytest.raises(IntegrityError), transaction.atomic():
        Callback.objects.create(case=shanghai_case, due_at=local(SHANGHAI, day_offset=3), created_by=collector)


def test_closing_the_case_cancels_its_pending_callback(db, shanghai_case, collector, supervisor):
    callback = schedule_callback(shanghai_case, local(SHANGHAI, day_offset=1), by=collector)
    account = shanghai_case.account
    case_services.record_payment(account, account.outstanding_total, timezone.now(), "PAY-CB-1", by=supervisor)
    assert not CollectionCase.objects.get(pk=shanghai_case.pk).is_open
    callback.refresh_from_db()
    assert callback.status == Status.CANCELLED and callback.closed_at is not None
    assert callback.history.first().history_change_reason == "case closed"
    with pytest.raises(CallbackError, match="closed"):
        schedule_callback(shanghai_case, local(SHANGHAI, day_offset=2), by=collector)


def test_only_a_collector_of_the_case_may_schedule(db, shanghai_case, other_collector, reviewer):
    for outsider in (other_collector, reviewer, make_user(None)):
        with pytest.raises(NotPermitted):
            schedule_callback(shanghai_case, local(SHANGHAI, day_offset=1), by=outsider)
    assert not Callback.objects.exists()


def test_the_timeline_says_when_in_the_borrowers_time(db, collector, supervisor):
    with frozen(datetime(2027, 1, 11, 15, 0, tzinfo=UTC)):
        case = assigned(phone_case(profile="US-REGF", zone="America/New_York", phones=US_PHONE), collector, supervisor)
        schedule_callback(case, datetime(2027, 1, 12, 10, 0, tzinfo=NEW_YORK), by=collector, note="After payday")
    event = CaseEvent.objects.get(case=case, code=EventCode.CALLBACK_SCHEDULED)
    # Stored as meaning (an instant and a zone), worded when read.
    assert event.params == {"due_at": "2027-01-12T10:00:00-05:00", "zone": "America/New_York"}
    entry = next(entry for entry in case_timeline(case) if entry.kind == "Callback")
    # 10:00 in New York (23:00 on the server's clock in Shanghai), and the note as typed.
    assert entry.summary == "Callback scheduled for 12 Jan 2027 10:00 EST. After payday"
    assert entry.actor == collector.get_username()


# --- through record_attempt ----------------------------------------------------------------


def _call(case, collector, outcome, at, **kwargs):
    return record_attempt(
        case, Channel.PHONE_CALL, outcome, by=collector, at=at, contact_point=case.points[0], **kwargs
    )


def test_a_callback_outcome_without_a_time_writes_nothing(db, shanghai_case, collector):
    with pytest.raises(CallbackError, match="say when to call back"):
        _call(shanghai_case, collector, Outcome.CALLBACK, local(SHANGHAI, day_offset=1, hour=10))
    with pytest.raises(CallbackError, match="only with the outcome"):
        _call(
            shanghai_case,
            collector,
            Outcome.NO_ANSWER,
            local(SHANGHAI, day_offset=1, hour=10),
            callback_at=local(SHANGHAI, day_offset=2),
        )
    _nothing_written(shanghai_case)


def test_a_refused_callback_time_rolls_the_call_back(db, shanghai_case, collector):
    earlier = schedule_callback(shanghai_case, local(SHANGHAI, day_offset=3, hour=10), by=collector)
    queued = AuditQueue.objects.count()
    with pytest.raises(CallbackRefused) as refused:
        _call(
            shanghai_case,
            collector,
            Outcome.CALLBACK,
            local(SHANGHAI, day_offset=1, hour=10),
            callback_at=local(SHANGHAI, day_offset=1, hour=23),
        )
    assert refused.value.next_allowed_at == local(SHANGHAI, day_offset=2, hour=8)
    # Neither the call, nor closing the earlier callback, nor anything for the ledger.
    assert not ContactAttempt.objects.exists() and not ContactAttempt.history.exists()
    earlier.refresh_from_db()
    assert earlier.status == Status.PENDING and earlier.history.count() == 1
    assert AuditQueue.objects.count() == queued


def test_a_callback_outcome_with_an_allowed_time_is_agreed_with_the_call(db, shanghai_case, collector):
    second_phone = make_contact_point(shanghai_case.account.borrower, "+8613900000002")
    attempt = record_attempt(
        shanghai_case,
        Channel.PHONE_CALL,
        Outcome.CALLBACK,
        by=collector,
        at=local(SHANGHAI, day_offset=1, hour=10),
        contact_point=second_phone,
        note="Call after six",
        callback_at=local(SHANGHAI, day_offset=1, hour=18),
    )
    callback = Callback.objects.get()
    assert (callback.requested_in, callback.contact_point, callback.note) == (attempt, second_phone, "Call after six")
    assert callback.status == Status.PENDING and callback.due_at == local(SHANGHAI, day_offset=1, hour=18)


def test_a_refused_call_is_stored_blocked_and_agrees_no_callback(db, shanghai_case, collector):
    with pytest.raises(ContactBlocked) as blocked:
        _call(
            shanghai_case,
            collector,
            Outcome.CALLBACK,
            local(SHANGHAI, day_offset=1, hour=23),
            callback_at=local(SHANGHAI, day_offset=2, hour=10),
        )
    assert not ContactAttempt.objects.get(pk=blocked.value.attempt.pk).allowed
    assert not Callback.objects.exists()


def test_the_next_call_makes_the_callback(db, shanghai_case, collector):
    requested = _call(
        shanghai_case,
        collector,
        Outcome.CALLBACK,
        local(SHANGHAI, day_offset=1, hour=10),
        callback_at=local(SHANGHAI, day_offset=2, hour=10),
    )
    callback = Callback.objects.get()
    # A call the rules refused was not made: the callback still waits.
    with pytest.raises(ContactBlocked):
        _call(shanghai_case, collector, Outcome.NO_ANSWER, local(SHANGHAI, day_offset=2, hour=23))
    callback.refresh_from_db()
    assert callback.status == Status.PENDING
    made = _call(shanghai_case, collector, Outcome.NO_ANSWER, local(SHANGHAI, day_offset=2, hour=10))
    callback.refresh_from_db()
    assert (callback.status, callback.closed_in, callback.requested_in) == (Status.DONE, made, requested)
    assert callback.closed_at is not None
    version = callback.history.first()
    assert (version.history_change_reason, version.history_user, version.status) == (
        "callback done",
        collector,
        Status.DONE,
    )
    assert not Callback.objects.pending().exists()


def test_a_call_that_asks_again_closes_the_old_callback_and_agrees_the_new(db, shanghai_case, collector):
    _call(
        shanghai_case,
        collector,
        Outcome.CALLBACK,
        local(SHANGHAI, day_offset=1, hour=10),
        callback_at=local(SHANGHAI, day_offset=2, hour=10),
    )
    again = _call(
        shanghai_case,
        collector,
        Outcome.CALLBACK,
        local(SHANGHAI, day_offset=2, hour=10),
        callback_at=local(SHANGHAI, day_offset=3, hour=10),
    )
    old, new = Callback.objects.order_by("due_at")
    assert (old.status, old.closed_in) == (Status.DONE, again)
    assert (new.status, new.requested_in) == (Status.PENDING, again)


def test_a_reg_f_callback_waits_out_the_week_after_the_conversation(db, new_york_case, collector):
    """ "Callback requested" is a conversation: under Reg F the next call waits seven days,
    and the callback with it (the engine judges the call the callback will be)."""
    with pytest.raises(CallbackRefused) as refused:
        _call(
            new_york_case,
            collector,
            Outcome.CALLBACK,
            local(NEW_YORK, day_offset=1, hour=10),
            callback_at=local(NEW_YORK, day_offset=2, hour=10),
        )
    assert refused.value.decision.reasons == (Reason.POST_CONVERSATION_WAIT,)
    assert refused.value.next_allowed_at == local(NEW_YORK, day_offset=8, hour=8)
    assert not ContactAttempt.objects.exists()
    _call(
        new_york_case,
        collector,
        Outcome.CALLBACK,
        local(NEW_YORK, day_offset=1, hour=10),
        callback_at=refused.value.next_allowed_at,
    )
    assert Callback.objects.get().due_at == local(NEW_YORK, day_offset=8, hour=8)


def test_next_callback_slots_are_bounded_and_stop_when_waiting_will_not_help(db, shanghai_case, collector):
    case_services.record_payment(
        shanghai_case.account,
        Decimal(str(shanghai_case.account.outstanding_total)),
        timezone.now(),
        "PAY-CB-2",
        by=make_user("Supervisor"),
    )
    assert next_callback_slots(shanghai_case, local(SHANGHAI, day_offset=1)) == []
