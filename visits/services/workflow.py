"""
The pieces every visit step shares: the refusal (VisitRefused), the CaseEvent row a step
writes (a code naming the step, cases/event_text.py, and what a person typed, as typed),
and one FSM transition applied with its lock, permission and guards.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from cases import services as case_services
from cases.event_text import EventCode
from cases.models import CaseEvent
from core.exceptions import NotPermitted, ServiceError

from ..models import FieldVisit


class VisitRefused(ServiceError):
    def __init__(self, message: str, failed=()):
        super().__init__(message)
        self.failed = list(failed)


def _event(visit, by, code: EventCode, *, note: str = "", **params):
    """The case's record of a visit step: ``code`` and its parameters (the visit's id
    always), and ``note``, what a person typed (why it was rejected…), kept as typed."""
    CaseEvent.objects.create(
        case_id=visit.case_id,
        kind=CaseEvent.Kind.VISIT,
        actor=by,
        transition=f"visit:{visit.state}",
        code=code,
        params={"visit": visit.pk, **params},
        reason=note,
    )


def _transition(visit, name, *, by, code: EventCode, note="", params=None, also=None):
    """Apply one visit transition: lock, permission, guards (with their sentences), and
    record it on the case as ``code`` (+ ``params``) with ``note``, what a person typed.
    Fields in ``also`` are set in the same save, so its history row carries them too."""
    visit = FieldVisit.objects.select_for_update().select_related("case__account__borrower").get(pk=visit.pk)
    if by is not None and not _is_assigned_agent(by, visit):
        case_services._require_case_access(by, visit.case)
    found = next((t for t in visit.get_all_state_transitions() if t.name == name and t.source == visit.state), None)
    if found is None:
        raise VisitRefused(
            _("A visit that is %(lower)s cannot be %(replace)s.")
            % {"lower": visit.get_state_display().lower(), "replace": name.replace("_", " ")}
        )
    if by is not None and not found.has_perm(visit, by):
        raise NotPermitted(
            _("%(username)s may not %(replace)s this visit.")
            % {"username": by.get_username(), "replace": name.replace("_", " ")}
        )
    failed = [r for r in (c.evaluate(visit) for c in found.conditions) if not r.passed]
    if failed:
        raise VisitRefused(" ".join(r.explanation for r in failed), failed)
    getattr(visit, name)()
    for field_name, value in (also or {}).items():
        setattr(visit, field_name, value)
    visit._history_user = by
    visit._change_reason = note[:100] or name.replace("_", " ")
    visit.save()
    _event(visit, by, code, note=note, **(params or {}))
    return visit


def _is_assigned_agent(user, visit) -> bool:
    return visit.agents.filter(user=user).exists()
