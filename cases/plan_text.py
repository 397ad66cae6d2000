"""
What a repayment plan's terms say, in the language of whoever reads them.

A plan that goes beyond its policy profile's limits keeps *why* as codes and their
parameters (``RepaymentPlan.beyond_policy_reasons``, and the ``beyond_policy`` parameter of
the plan's case event): amounts as text with their currency, dates in ISO. The sentence is
written here when the reason is read, in the reader's language, with money and dates the
reader's way, so the supervisor who approves and the reviewer who checks later each read
one record in their own language.

Adding a limit is adding a code to ``BeyondPolicy``, its sentence to ``SENTENCES`` and its
check to ``cases.services.arrangements.plan_terms``.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from django.db import models
from django.utils import formats
from django.utils.translation import gettext_lazy, ngettext_lazy

from .guard_text import money


class BeyondPolicy(StrEnum):
    """Why a plan needs a supervisor's approval before it runs."""

    TOO_MANY_INSTALLMENTS = "too_many_installments"  # count, limit
    INSTALLMENT_BELOW_MINIMUM = "installment_below_minimum"  # sequence, amount, minimum, currency
    FIRST_DUE_TOO_LATE = "first_due_too_late"  # first_due, limit_days


SENTENCES = {
    BeyondPolicy.TOO_MANY_INSTALLMENTS: ngettext_lazy(
        "%(count)s instalment: more than the %(limit)s the profile allows without a supervisor's approval.",
        "%(count)s instalments: more than the %(limit)s the profile allows without a supervisor's approval.",
        "count",
    ),
    BeyondPolicy.INSTALLMENT_BELOW_MINIMUM: gettext_lazy(
        "Instalment %(sequence)s (%(amount)s) is below the smallest instalment the profile allows (%(minimum)s)."
    ),
    BeyondPolicy.FIRST_DUE_TOO_LATE: ngettext_lazy(
        "The first instalment falls due on %(first_due)s, more than %(limit_days)s day after the plan was agreed.",
        "The first instalment falls due on %(first_due)s, more than %(limit_days)s days after the plan was agreed.",
        "limit_days",
    ),
}


class PlanInterval(models.TextChoices):
    """How far apart the instalments of an evenly split plan fall."""

    WEEKLY = "weekly", gettext_lazy("Weekly")
    FORTNIGHTLY = "fortnightly", gettext_lazy("Every two weeks")
    MONTHLY = "monthly", gettext_lazy("Monthly")


def _day(value) -> str:
    return formats.date_format(date.fromisoformat(value) if isinstance(value, str) else value)


def reason_sentence(code: str, params: dict | None = None) -> str:
    """The sentence for one reason in the current language; "" for a code this module does
    not know or parameters it cannot read."""
    template = SENTENCES.get(code)
    if template is None:
        return ""
    params = params or {}
    shown = dict(params)
    try:
        for name in ("amount", "minimum"):
            if name in params:
                shown[name] = money(params[name], params.get("currency"))
        if "first_due" in params:
            shown["first_due"] = _day(params["first_due"])
        return template % shown
    except (KeyError, TypeError, ValueError):
        return ""


def reason_sentences(reasons) -> list[str]:
    """Each reason (``{"code", "params"}`` as stored, or a ``(code, params)`` pair) as a
    sentence in the current language; reasons it cannot read are left out."""
    sentences = []
    for reason in reasons or []:
        code, params = (reason.get("code"), reason.get("params")) if isinstance(reason, dict) else reason
        said = reason_sentence(code, params)
        if said:
            sentences.append(said)
    return sentences
