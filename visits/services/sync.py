"""
The notices job (``sync_notices``): announce approved visits, mark them notified once a
notice has left, and call off those it reached too late.
"""

from __future__ import annotations

from django.db import transaction

from audit.ledger import sealing_deferred
from cases.event_text import EventCode
from contacts.models import OutboundMessage

from ..models import FieldVisit, VisitNotice, VisitState
from .cancel import cancel_visit
from .notices import send_notice
from .workflow import VisitRefused, _transition


def sync_notices() -> dict[str, int]:
    """The notices job: announce approved visits, and mark visits notified once a notice
    has left (the first sent time is the notice time)."""
    counts = {"queued": 0, "notified": 0, "not_possible": 0}
    for visit in FieldVisit.objects.filter(state=VisitState.APPROVED, notice_channels=""):
        try:
            send_notice(visit)
            counts["queued"] += 1
        except VisitRefused:
            counts["not_possible"] += 1
    first_sent = (
        VisitNotice.objects.filter(
            kind=VisitNotice.Kind.ANNOUNCEMENT,
            message__state__in=[OutboundMessage.State.SENT, OutboundMessage.State.DELIVERED],
        )
        .filter(visit__state=VisitState.APPROVED)
        .exclude(visit__notice_channels="")
        .select_related("message", "visit")
        .order_by("visit_id", "message__sent_at")
    )
    sent_by_visit = {}
    for notice in first_sent:
        sent_by_visit.setdefault(notice.visit_id, notice)
    for notice in sent_by_visit.values():
        visit, sent = notice.visit, notice.message
        with transaction.atomic(), sealing_deferred():
            # Saved, not updated: the history row (and so the ledger) records when it left.
            visit = FieldVisit.objects.select_for_update().get(pk=visit.pk)
            visit.notice_sent_at = sent.sent_at
            visit._change_reason = f"notice sent by {sent.channel}"
            visit.save(update_fields=["notice_sent_at"])
            try:
                _transition(
                    visit, "mark_notified", by=None, code=EventCode.VISIT_NOTIFIED, params={"channel": sent.channel}
                )
                counts["notified"] += 1
            except VisitRefused:
                # Sent too late for the announced window: the visit cannot go ahead.
                cancel_visit(
                    visit,
                    by=None,
                    why="The notice left too late for the announced window.",
                    code=EventCode.VISIT_NOTICE_TOO_LATE,
                    tell_borrower=True,
                )
    return counts
