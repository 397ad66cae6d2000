"""
How the login-lockout records (django-axes) name themselves on the admin's pages: axes
writes "Attempted Access: 2026-11-24 20:44:59.959032+00:00" in English whatever the
reader's language. Here each record says what it is, for whom and when, in the reader's
language and local time; and a role (a Group) is named by its label, not its stored English
name. Only the display changes; the data and behaviour do not.
"""

from __future__ import annotations

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.auth.models import Group
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


def _when(moment) -> str:
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT") if moment else "—"


def _attempt(self) -> str:
    return _("Failed sign-ins by %(username)s from %(ip)s, last %(when)s") % {
        "username": self.username or "—",
        "ip": self.ip_address or "—",
        "when": _when(self.attempt_time),
    }


def _failure(self) -> str:
    return _("Failed sign-in by %(username)s from %(ip)s at %(when)s") % {
        "username": self.username or "—",
        "ip": self.ip_address or "—",
        "when": _when(self.attempt_time),
    }


def _log(self) -> str:
    return _("Sign-in by %(username)s from %(ip)s at %(when)s") % {
        "username": self.username or "—",
        "ip": self.ip_address or "—",
        "when": _when(self.attempt_time),
    }


def _role(self) -> str:
    return _(self.name)


def install() -> None:
    # A role is stored under its English name (the permission setup refers to it by that
    # name); wherever Django names it (breadcrumbs, a change's role) people read its label.
    Group.__str__ = _role
    # axes' admin names two columns after its methods, in English.
    from axes.admin import AccessAttemptAdmin  # noqa: PLC0415  (the admin app must be ready)

    AccessAttemptAdmin.status.short_description = gettext_lazy("status")
    AccessAttemptAdmin.expiration.short_description = gettext_lazy("expires at")
    AccessAttempt.__str__ = _attempt
    AccessFailureLog.__str__ = _failure
    AccessLog.__str__ = _log
