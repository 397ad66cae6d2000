"""A debt's limitation date and what it was counted from, as a sentence in the reader's
language (the case page and the compliance dossier): the date the reader's way, the basis
(the last payment or acknowledgement, or the oldest unpaid due date) and where the years
came from (the profile, or this account's own period)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.when import local_date

from .models import Limitation


def describe(limitation: Limitation | None, *, today=None) -> str:
    if limitation is None:
        return _("No limitation period applies to this debt.")
    if limitation.basis == Limitation.ACKNOWLEDGED:
        basis = _("the last payment or acknowledgement of the debt, on %(day)s") % {"day": local_date(limitation.since)}
    else:
        basis = _("the oldest unpaid due date, %(day)s (nothing paid or acknowledged since)") % {
            "day": local_date(limitation.since)
        }
    if limitation.account_override:
        period = ngettext(
            "%(years)s year, this account's own period",
            "%(years)s years, this account's own period",
            limitation.years,
        ) % {"years": limitation.years}
    else:
        period = ngettext(
            "%(years)s year, the period of %(profile)s",
            "%(years)s years, the period of %(profile)s",
            limitation.years,
        ) % {"years": limitation.years, "profile": limitation.profile}
    values = {"day": local_date(limitation.on), "basis": basis, "period": period}
    if today is not None and today > limitation.on:
        return _("Time-barred since %(day)s: counted from %(basis)s, plus %(period)s.") % values
    return _("Time-barred after %(day)s: counted from %(basis)s, plus %(period)s.") % values
