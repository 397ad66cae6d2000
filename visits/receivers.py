"""What field visits do when the case book announces something (cases/signals.py):
nobody knocks on the door of a paid, closed or held case."""

from .models import FieldVisit
from .services import cancel_visit


def cancel_visits_of_closed_cases(sender, case_ids, why, **kwargs) -> int:
    visits = list(FieldVisit.objects.filter(case_id__in=case_ids).cancellable())
    for visit in visits:
        cancel_visit(visit, by=None, why=why, tell_borrower=False)
    return len(visits)


def cancel_visits_of_held_case(sender, case, why, **kwargs) -> int:
    """The borrower is told an announced visit is off (a required notice, sent through holds)."""
    visits = list(case.field_visits.cancellable())
    for visit in visits:
        cancel_visit(visit, by=None, why=why, tell_borrower=True)
    return len(visits)
