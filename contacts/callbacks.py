"""
Callbacks: the borrower asked to be called back, and the collector agrees a time.

A callback is a promise to phone, so the contact rules judge that call when the time is
agreed — a phone call at that instant, to that number — rather than when it falls due: a
time outside the borrower's hours, on their holiday or past a cap is refused at once, with
the next time the rules allow (``next_callback_slots`` offers a few). Nothing is written
for a refused time.

At most one callback is pending per case: a new time replaces the old one, the next call
made on the case closes it (``close_pending_callback``, from ``services.record_attempt``),
and closing the case cancels it (``receivers.cancel_callbacks_of_closed_cases``). Each
change writes its history row, sealed in the audit ledger like every other.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from audit.ledger import audited_atomic, ledger_append_many
from cases import services as case_services
from cases.event_text import EventCode
from cases.models import Borrower, CaseEvent, CollectionCase, ContactPoint
from core.exceptions import ServiceError
from core.when import local_datetime
from policy.codes import Channel

from . import engine, refusals
from .models import Callback, ContactAttempt

# Times offered by next_callback_slots: on quarter hours, at least an hour apart, found
# with at most MAX_PROBES questions to the engine whatever the rules say.
QUARTER_HOUR = timedelta(minutes=15)
SLOT_STEP = timedelta(hours=1)
MAX_PROBES = 12


class CallbackError(ServiceError):
    """The callback cannot be agreed as asked: no time, a past or too distant one, no
    phone to call. Nothing was written."""


class CallbackRefused(CallbackError):
    """The contact rules refuse a phone call at the requested time; nothing was written.

    ``decision`` is the engine's judgement at that time, ``next_allowed_at`` the earliest
    instant it would allow (None: waiting alone will not do, e.g. the borrower asked us to
    stop). The message says why and from when, in the borrower's time."""

    def __init__(self, decision: engine.Decision, due_at: datetime):
        zone = decision.borrower_zone
        why = " ".join([*decision.explanations, refusals.next_allowed_sentence(decision.next_allowed_at, zone)])
        super().__init__(
            _("No callback at %(when)s: %(why)s") % {"when": local_datetime(due_at, zone, show_zone=True), "why": why}
        )
        self.decision = decision
        self.due_at = due_at
        self.next_allowed_at = decision.next_allowed_at


def default_phone(case) -> ContactPoint | None:
    """The borrower's own phone to call back on: the primary one, else another that is
    neither known invalid nor opted out."""
    return (
        ContactPoint.objects.filter(
            borrower_id=case.account.borrower_id,
            kind=ContactPoint.Kind.PHONE,
            owner=ContactPoint.Owner.BORROWER,
            is_invalid=False,
            opted_out=False,
        )
        .order_by("-is_primary", "pk")
        .first()
    )


def _phone_for(case, contact_point) -> ContactPoint:
    point = contact_point or default_phone(case)
    if point is None:
        raise CallbackError(_("The borrower has no valid phone number to call back on."))
    if point.borrower_id != case.account.borrower_id or point.kind != ContactPoint.Kind.PHONE:
        raise CallbackError(_("A callback goes to one of the borrower's phone numbers."))
    return point


def _latest_allowed(case, now: datetime) -> datetime:
    # As far ahead as a promise to pay may be dated (the profile's promise_max_days): a
    # call the borrower puts off further than that is a plan to agree, not a callback. One
    # number, changed in the policy profile for both.
    return now + timedelta(days=case.policy_profile.promise_max_days)


def _check_time(case, due_at, *, earliest: datetime, now: datetime) -> None:
    if not isinstance(due_at, datetime) or timezone.is_naive(due_at):
        raise CallbackError(_("Say when to call back: a date and a time in a known time zone."))
    if due_at <= earliest:
        raise CallbackError(_("A callback must be in the future."))
    if due_at > _latest_allowed(case, now):
        raise CallbackError(
            _("A callback may be at most %(days)s days ahead.") % {"days": case.policy_profile.promise_max_days}
        )


@audited_atomic
def schedule_callback(case, due_at, *, by, contact_point=None, note="", attempt=None) -> Callback:
    """Agree to call the borrower back at ``due_at`` (aware, in the future, within the
    profile's promise_max_days), on ``contact_point`` (default: their primary valid phone).

    The engine judges a phone call at ``due_at`` as ``by`` would make it; a refusal raises
    CallbackRefused and writes nothing. Accepted, the case's other pending callback is
    cancelled, the new one written, and the case timeline says when, in the borrower's
    time. ``attempt``: the call on which the borrower asked (services.record_attempt).
    """
    case_services._require(by, "contacts.add_contactattempt", "schedule callbacks")
    # Lock order borrower → case, as record_attempt: a callback agreed while another
    # collector records a call is judged with that call counted.
    Borrower.objects.select_for_update().filter(pk=case.account.borrower_id).exists()
    case = CollectionCase.objects.select_for_update().select_related("account__borrower").get(pk=case.pk)
    case_services._require_case_access(by, case)
    if not case.is_open:
        raise CallbackError(_("Case %(pk)s is closed.") % {"pk": case.pk})
    now = timezone.now()
    _check_time(case, due_at, earliest=max(now, attempt.started_at) if attempt else now, now=now)
    point = _phone_for(case, contact_point)
    decision = engine.evaluate(case, Channel.PHONE_CALL, due_at, contact_point=point, agent=by)
    if not decision.allowed:
        raise CallbackRefused(decision, due_at)
    _close(case.callbacks.pending().select_for_update(), Callback.Status.CANCELLED, by=by, reason="callback replaced")
    callback = Callback(
        case=case, contact_point=point, due_at=due_at, note=note, requested_in=attempt, created_by=by, created_at=now
    )
    case_services._stamp(callback, by, "callback scheduled")
    callback.save()
    # The time as agreed with the borrower: in their zone, the one the timeline shows.
    CaseEvent.objects.create(
        case=case,
        kind=CaseEvent.Kind.CALLBACK,
        actor=by,
        code=EventCode.CALLBACK_SCHEDULED,
        params={"due_at": due_at.astimezone(decision.borrower_zone).isoformat(), "zone": decision.zones[0]},
        reason=note,
    )
    return callback


def close_pending_callback(case, attempt: ContactAttempt, *, by) -> int:
    """A call made on the case (any outcome) is the callback made: the pending one is
    done, closed by ``attempt``. Runs in the transaction that recorded the call."""
    pending = Callback.objects.pending().filter(case_id=case.pk).select_for_update()
    return _close(pending, Callback.Status.DONE, by=by, reason="callback done", attempt=attempt)


def cancel_pending_callbacks(case_ids, *, reason: str = "case closed") -> int:
    """The pending callbacks of these cases are cancelled (by the system)."""
    pending = Callback.objects.pending().filter(case_id__in=list(case_ids)).select_for_update()
    return _close(pending, Callback.Status.CANCELLED, by=None, reason=reason)


def _close(callbacks, status: str, *, by, reason: str, attempt: ContactAttempt | None = None) -> int:
    """Close ``callbacks`` with their history rows, in a fixed number of statements (the
    nightly cycle closes cases by the thousand)."""
    closed = list(callbacks)
    if not closed:
        return 0
    now = timezone.now()
    for callback in closed:
        callback.status, callback.closed_at, callback.closed_in = status, now, attempt
    Callback.objects.bulk_update(closed, ["status", "closed_at", "closed_in"])
    history = Callback.history.bulk_history_create(
        closed, update=True, default_user=by, default_change_reason=reason, default_date=now
    )
    ledger_append_many(history)
    return len(closed)


def _round_up(instant: datetime) -> datetime:
    """The next quarter hour at or after ``instant`` (every zone's offset is a multiple of
    15 minutes, so it is a quarter hour for the borrower too)."""
    epoch = datetime(2000, 1, 1, tzinfo=instant.tzinfo)
    remainder = (instant - epoch) % QUARTER_HOUR
    return instant if not remainder else instant + (QUARTER_HOUR - remainder)


def next_callback_slots(case, after, *, contact_point=None, count=3) -> list[datetime]:
    """Up to ``count`` times from ``after`` (a refusal's next_allowed_at, or now) at which
    the contact rules would allow the callback, on quarter hours and at least an hour
    apart, for the form to offer. Bounded: at most MAX_PROBES questions to the engine, and
    no further ahead than a callback may be agreed; an empty list means none soon."""
    if not isinstance(after, datetime) or timezone.is_naive(after):
        raise CallbackError(_("Say when to call back: a date and a time in a known time zone."))
    case = CollectionCase.objects.select_related("account__borrower").get(pk=case.pk)
    point = _phone_for(case, contact_point)
    now = timezone.now()
    latest = _latest_allowed(case, now)
    at = _round_up(max(after, now))
    if at <= now:
        at += QUARTER_HOUR
    slots: list[datetime] = []
    for _probe in range(MAX_PROBES):
        if len(slots) >= count or at > latest:
            break
        decision = engine.evaluate(case, Channel.PHONE_CALL, at, contact_point=point)
        if decision.allowed:
            slots.append(at)
            at += SLOT_STEP
        elif decision.next_allowed_at is None:
            break
        else:
            at = _round_up(max(decision.next_allowed_at, at + QUARTER_HOUR))
    return slots
