"""Who the desk's pages are for, asked of permissions (roles are groups of them)."""

from cases.selectors import sees_whole_book


def works_a_queue(user) -> bool:
    """Collectors (and supervisors covering for one) log contacts and work cases."""
    return user.has_perm("contacts.add_contactattempt") and user.has_perm("cases.change_collectioncase")


def administers_tables(user) -> bool:
    """Who sees the model tables (the admin's lists): the roles that administer the book
    or review all of it. Collectors and field agents work from the desk and their visits."""
    return user.is_superuser or sees_whole_book(user)
