"""
Holds (disputes, hardship, breathing space…): placing one moves the case to
``on_hold``; releasing the last one returns it to its rung or arrangement; holds whose
end date has passed are released in bulk by the nightly job.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.ledger import audited_atomic

from .. import signals
from ..event_text import EventCode
from ..exceptions import HoldError
from ..models import CaseEvent, CaseState, CollectionCase, Hold
from .access import _actor, _require, _require_case_access, _stamp
from .case import apply_transition


@audited_atomic
def place_hold(
    case: CollectionCase,
    kind: str,
    *,
    by,
    until: datetime | None = None,
    note: str = "",
    evidence=None,
    starts_at: datetime | None = None,
) -> Hold:
    """Stop collection activity on the case: it moves to ``on_hold`` until released."""
    _require(by, "cases.place_hold", "place holds")
    if kind not in Hold.Kind.values:
        raise HoldError(_("Unknown hold kind %(kind)r.") % {"kind": kind})
    case = CollectionCase.objects.select_for_update().get(pk=case.pk)
    _require_case_access(by, case)
    if not case.is_open:
        raise HoldError(
            _("Case %(pk)s is %(lower)s; a closed case takes no hold.")
            % {"pk": case.pk, "lower": case.get_state_display().lower()}
        )
    starts_at = starts_at or timezone.now()
    if kind == Hold.Kind.CRISIS_BREATHING_SPACE and until is not None:
        # It lasts for the crisis treatment plus 30 days: no one knows its end when it starts.
        raise HoldError(
            _("A mental health crisis breathing space has no end date until the end of treatment is recorded.")
        )
    if kind == Hold.Kind.BREATHING_SPACE and until is None:
        until = starts_at + timezone.timedelta(days=case.policy_profile.breathing_space_days)
    if until is not None and until <= starts_at:
        raise HoldError(_("A hold must end after it starts."))
    if kind == Hold.Kind.HARDSHIP and not evidence:
        raise HoldError(_("A hardship hold needs the evidence file (medical note, dismissal letter…)."))
    if evidence:
        try:
            Hold._meta.get_field("evidence").check_file(evidence)
        except ValidationError as refusal:
            raise HoldError(" ".join(refusal.messages)) from None
    hold = Hold(case=case, kind=kind, starts_at=starts_at, ends_at=until, note=note, placed_by=by)
    if evidence:
        hold.evidence = evidence
    _stamp(hold, by, f"{kind} hold placed")
    hold.save()
    CaseEvent.objects.create(
        case=case,
        kind=CaseEvent.Kind.HOLD_PLACED,
        actor=by,
        code=EventCode.HOLD_PLACED,
        params={"kind": kind},
        reason=note,
    )
    if case.state != CaseState.ON_HOLD and hold.is_active:
        apply_transition(
            case,
            "put_on_hold",
            by=None,
            code=EventCode.AFTER_HOLD_PLACED,
            params={"kind": kind, "username": _actor(by)},
        )
    return hold


@audited_atomic
def release_hold(hold: Hold, *, by, note: str = "") -> Hold:
    """End a hold; when no other hold remains the case returns to its rung (or arrangement)."""
    _require(by, "cases.release_hold", "release holds")
    hold = Hold.objects.select_for_update().get(pk=hold.pk)
    _require_case_access(by, hold.case)
    if hold.released_at is not None:
        raise HoldError(_("This hold was already released."))
    hold.released_at = timezone.now()
    hold.released_by = by
    hold.release_note = note
    _stamp(hold, by, "hold released")
    hold.save(update_fields=["released_at", "released_by", "release_note"])
    case = CollectionCase.objects.get(pk=hold.case_id)
    CaseEvent.objects.create(
        case=case,
        kind=CaseEvent.Kind.HOLD_RELEASED,
        actor=by,
        code=EventCode.HOLD_RELEASED,
        params={"kind": hold.kind},
        reason=note,
    )
    if case.state == CaseState.ON_HOLD and not case.active_holds().exists():
        apply_transition(
            case,
            "release_from_hold",
            by=None,
            code=EventCode.AFTER_HOLD_RELEASED,
            params={"kind": hold.kind, "username": _actor(by)},
        )
    signals.hold_released.send(sender=Hold, case_ids=[case.pk], why=note or "hold released")
    return hold


def release_expired_holds(now: datetime | None = None) -> int:
    """Release holds whose end date has passed (e.g. a breathing space that ran out).
    Set-based, for the whole book at once: see cases.jobs.release_expired_holds."""
    from ..jobs import release_expired_holds as release_in_bulk  # jobs builds on this module

    return release_in_bulk(now)


# A crisis moratorium ends this long after the crisis treatment ends (Debt Respite Scheme).
CRISIS_AFTER_TREATMENT_DAYS = 30


@audited_atomic
def record_crisis_treatment_end(hold: Hold, *, ended_on: date, by) -> Hold:
    """The crisis treatment ended on ``ended_on``: the breathing space now ends 30 days
    later (at the start of that day, site time), and the nightly release ends it then."""
    _require(by, "cases.release_hold", "record the end of a crisis treatment")
    hold = Hold.objects.select_for_update().select_related("case").get(pk=hold.pk)
    _require_case_access(by, hold.case)
    if hold.kind != Hold.Kind.CRISIS_BREATHING_SPACE:
        raise HoldError(_("Only a mental health crisis breathing space ends with a treatment."))
    if hold.released_at is not None or hold.treatment_ended_on is not None:
        raise HoldError(_("This breathing space already has its end."))
    if ended_on < timezone.localtime(hold.starts_at).date():
        raise HoldError(_("The treatment cannot end before the breathing space started."))
    hold.treatment_ended_on = ended_on
    end_day = ended_on + timedelta(days=CRISIS_AFTER_TREATMENT_DAYS)
    hold.ends_at = datetime.combine(end_day, time.min, tzinfo=timezone.get_current_timezone())
    _stamp(hold, by, "crisis treatment ended")
    hold.save(update_fields=["treatment_ended_on", "ends_at"])
    return hold
