"""Read queries for cases, with the row-level visibility rules in one place."""
from django.db.models import QuerySet

from .models import Borrower, CollectionCase, ContactPoint, LoanAccount

# Roles that work the whole book (everyone else sees only what is theirs).
WHOLE_BOOK_GROUPS = ("Supervisor", "Compliance reviewer", "Administrator")


def sees_whole_book(user) -> bool:
    if user.is_superuser:
        return True
    cached = getattr(user, "_sees_whole_book", None)
    if cached is None:
        cached = user.groups.filter(name__in=WHOLE_BOOK_GROUPS).exists()
        user._sees_whole_book = cached
    return cached


def visible_cases(user) -> QuerySet[CollectionCase]:
    """Cases ``user`` may open: all for supervisors and reviewers, a collector's own
    assigned cases, nothing else (field agents reach cases through their visits)."""
    cases = CollectionCase.objects.all()
    if sees_whole_book(user):
        return cases
    if user.groups.filter(name="Field agent").exists():
        # Field agents see the cases of the visits they are assigned to, nothing else.
        return cases.filter(pk__in=CollectionCase.objects.filter(field_visits__agents__user=user).values("pk"))
    return cases.filter(assigned_collector=user)


def visible_accounts(user) -> QuerySet[LoanAccount]:
    if sees_whole_book(user):
        return LoanAccount.objects.all()
    return LoanAccount.objects.filter(cases__in=visible_cases(user)).distinct()


def visible_borrowers(user) -> QuerySet[Borrower]:
    if sees_whole_book(user):
        return Borrower.objects.all()
    return Borrower.objects.filter(accounts__cases__in=visible_cases(user)).distinct()


def visible_contact_points(user) -> QuerySet[ContactPoint]:
    if sees_whole_book(user):
        return ContactPoint.objects.all()
    return ContactPoint.objects.filter(borrower__in=visible_borrowers(user))


def case_page(case_id):
    """The case with everything its page shows, fetched up front."""
    return (
        CollectionCase.objects.select_related("account__borrower", "assigned_collector")
        .prefetch_related("holds", "promises", "repayment_plans", "account__borrower__contact_points")
        .get(pk=case_id)
    )
