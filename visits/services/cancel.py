"""Calling a visit off before it happens, and telling the borrower if they were told of it."""

from __future__ import annotations

from audit.ledger import audited_atomic
from cases.event_text import EventCode
from contacts.models import OutboundMessage

from ..models import FieldVisit
from .notices import _queue_cancellation_notice
from .workflow import _transition


@audited_atomic
def cancel_visit(
    visit, *, by, why, tell_borrower=True, code: EventCode = EventCode.VISIT_CANCELLED, params=None
) -> FieldVisit:
    """Called off before it happens. If the borrower was (or is being) told of it, they are
    told it is off — a required notice that goes even through holds.

    ``why`` is kept with the visit; the case's record says it as ``code`` (+ ``params``)
    when the system called it off, and as ``why``, typed, when a person did."""
    visit = FieldVisit.objects.select_for_update().get(pk=visit.pk)
    announced = bool(visit.notice_channels)
    typed = why if code == EventCode.VISIT_CANCELLED else ""
    visit = _transition(visit, "cancel", by=by, code=code, note=typed, params=params, also={"end_reason": why})
    OutboundMessage.objects.filter(visit_notice__visit=visit, state=OutboundMessage.State.SCHEDULED).update(
        state=OutboundMessage.State.SUPPRESSED, suppressed_reasons=["visit_cancelled"]
    )
    if announced and tell_borrower:
        _queue_cancellation_notice(visit)
    return visit
