"""
Who may see what in full, shared by every admin page of the case book (and by the
work pages of the apps built on it): the two permission checks that decide whether a
national ID or a contact detail is shown in full or masked, and the add-page mixin
that limits a service form's case choices to the user's own book.
"""

from audit.services import log_pii_access
from core.adminkit import ServiceAdminMixin

from .. import selectors
from ..models import Borrower
from ..search import identifier_owners

# An exact search by identifier can name at most a few people; more are not logged singly.
LOGGED_SEARCH_MATCHES = 20


def can_see_full_national_id(user) -> bool:
    return user.has_perm("cases.view_full_national_id")


def can_see_full_contact_details(user) -> bool:
    return user.has_perm("cases.view_full_contact_details")


def log_identifier_search(request, term: str, visible_borrowers) -> None:
    """A search by a whole national ID or phone number is a look-up of that person even
    when the list shows them masked: it goes in the access log, once per borrower found
    among those the user may see."""
    what, owners = identifier_owners(term)
    if not owners:
        return
    found = visible_borrowers.filter(pk__in=owners).order_by("pk")[:LOGGED_SEARCH_MATCHES]
    for borrower in Borrower.objects.filter(pk__in=found.values("pk")).only("pk"):
        log_pii_access(request.user, borrower, f"search by {what}", request)


class CaseServiceAdminMixin(ServiceAdminMixin):
    """A service-backed add page whose case choices are the user's own book."""

    related_choices = {"case": selectors.visible_cases}
