"""What field visits do when the case book announces something (cases/signals.py):
nobody knocks on the door of a paid, closed or held case."""

from cases.event_text import EventCode
from cases.models import CollectionCase

from .models import FieldVisit
from .services import cancel_visit


def cancel_visits_of_closed_cases(sender, case_ids, why, **kwargs) -> int:
    visits = list(FieldVisit.objects.filter(case_id__in=case_ids).cancellable())
    for visit in visits:
        _call_off(visit, why, tell_borrower=False)
    return len(visits)


def cancel_visits_of_held_case(sender, case, why, **kwargs) -> int:
    """The borrower is told an announced visit is off (a required notice, sent through holds)."""
    visits = list(case.field_visits.cancellable())
    for visit in visits:
        _call_off(visit, why, tell_borrower=True)
    return len(visits)


def _call_off(visit, why, *, tell_borrower):
    # The case's record says why in its reader's language: the state the case is now in.
    state = CollectionCase.objects.values_list("state", flat=True).get(pk=visit.case_id)
    cancel_visit(
        visit,
        by=None,
        why=why,
        tell_borrower=tell_borrower,
        code=EventCode.VISIT_CASE_STOPPED,
        params={"state": state},
    )
