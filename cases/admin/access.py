"""
Who may see what in full, shared by every admin page of the case book (and by the
work pages of the apps built on it): the two permission checks that decide whether a
national ID or a contact detail is shown in full or masked, and the add-page mixin
that limits a service form's case choices to the user's own book.
"""

from core.adminkit import ServiceAdminMixin

from .. import selectors


def can_see_full_national_id(user) -> bool:
    return user.has_perm("cases.view_full_national_id")


def can_see_full_contact_details(user) -> bool:
    return user.has_perm("cases.view_full_contact_details")


class CaseServiceAdminMixin(ServiceAdminMixin):
    """A service-backed add page whose case choices are the user's own book."""

    related_choices = {"case": selectors.visible_cases}
