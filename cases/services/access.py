"""
What every case service checks and records first: that the acting user has the
permission and the case is in their book (the same rule as what they can see), and who
and why for the history row the next save writes. ``by=None`` is the system acting.
Other apps' services apply the same two checks (``_require``, ``_require_case_access``).
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from core.exceptions import NotPermitted

from ..selectors import visible_cases


def _require(by, perm: str, doing: str) -> None:
    if by is not None and not by.has_perm(perm):
        raise NotPermitted(_("%(username)s may not %(doing)s.") % {"username": by.get_username(), "doing": doing})


def _require_case_access(by, case) -> None:
    """A collector acts only on cases assigned to them (same rule as what they can see)."""
    if by is not None and not visible_cases(by).filter(pk=case.pk).exists():
        raise NotPermitted(
            _("Case %(pk)s is not in %(username)s's book.") % {"pk": case.pk, "username": by.get_username()}
        )


def _actor(by) -> str:
    """Who acted, for an event's parameters: the username, or "" for the system (shown
    as "system" in the reader's language)."""
    return by.get_username() if by is not None else ""


def _stamp(instance, by, reason: str) -> None:
    """Who and why, for the history row the next save() writes."""
    instance._history_user = by
    instance._change_reason = reason[:100]
