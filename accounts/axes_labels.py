"""
How the login-lockout records (django-axes) name themselves on the admin's pages: axes
writes "Attempted Access: 2026-11-24 20:44:59.959032+00:00" in English whatever the
reader's language. Here each record says what it is, for whom and when, in the reader's
language and local time. Only the display changes; axes' data and behaviour do not.
"""

from __future__ import annotations

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.utils import formats, timezone
from django.utils.translation import gettext as _


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


def install() -> None:
    AccessAttempt.__str__ = _attempt
    AccessFailureLog.__str__ = _failure
    AccessLog.__str__ = _log
