"""
Field-visit services (DESIGN.md API): request, approve/reject, send the notice, check in,
complete, abort, cancel. Each checks permission and case access, runs in one transaction,
records a CaseEvent, and raises VisitRefused with a readable sentence.

One module per concept, every name below importable from ``visits.services``:

- ``workflow``: the refusal, the CaseEvent row of a step, and one guarded transition;
- ``request``: eligibility, requesting a visit, approving or rejecting it;
- ``notices``: the pre-visit notice and the cancellation notice sent to the borrower;
- ``sync``: the notices job, which marks visits notified once a notice has left;
- ``evidence``: what a check-in carries (position or why none, photo, distance);
- ``on_the_day``: check-in, the report (by its outcome), aborting a visit;
- ``drafts``: the report as the agent types it, kept on the server;
- ``cancel``: calling a visit off before it happens.
"""

from .cancel import cancel_visit
from .drafts import draft_of, save_draft
from .evidence import CheckInEvidence, EvidenceRefused, Position
from .notices import _queue_cancellation_notice, _visit_context, send_notice
from .on_the_day import REPORT_FIELDS, ReportIncomplete, abort_visit, check_in, complete_visit
from .request import (
    _check_window,
    _hard_limits,
    approve_visit,
    covering_agents,
    eligibility,
    failed_attempts_by_channel,
    reject_visit,
    request_visit,
)
from .sync import sync_notices
from .workflow import VisitRefused, _event, _is_assigned_agent, _transition

__all__ = [
    "VisitRefused",
    "_event",
    "_is_assigned_agent",
    "_transition",
    "_check_window",
    "_hard_limits",
    "approve_visit",
    "covering_agents",
    "eligibility",
    "failed_attempts_by_channel",
    "reject_visit",
    "request_visit",
    "_queue_cancellation_notice",
    "_visit_context",
    "send_notice",
    "sync_notices",
    "REPORT_FIELDS",
    "ReportIncomplete",
    "CheckInEvidence",
    "EvidenceRefused",
    "Position",
    "draft_of",
    "save_draft",
    "abort_visit",
    "check_in",
    "complete_visit",
    "cancel_visit",
]
