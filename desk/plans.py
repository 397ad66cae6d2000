"""The repayment plan builder on the desk: a schedule of equal instalments, previewed
against the profile's limits before it is agreed. A plan beyond them waits for a
supervisor (cases.services.agree_repayment_plan decides; this only shows)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from cases import services as case_services
from core.money import format_money

from .forms import PlanForm

__all__ = ["PlanForm", "agree", "limits", "preview"]


def limits(case) -> dict:
    profile = case.policy_profile
    return {
        "max_installments": profile.plan_max_installments,
        "min_installment_percent": profile.plan_min_installment_percent,
        "first_due_max_days": profile.plan_first_due_max_days,
    }


def schedule(data) -> list:
    return case_services.schedule_installments(data["total"], data["count"], data["first_due"], data["every"])


def preview(case, data) -> dict:
    installments = schedule(data)
    terms = case_services.plan_terms(case, installments)
    return {"installments": installments, "terms": terms, "beyond": terms.sentences()}


def agree(case, data, *, by) -> str:
    plan = case_services.agree_repayment_plan(case, schedule(data), by=by, note=data["note"])
    total = format_money(plan.total_amount, plan.currency)
    if plan.beyond_policy:
        return _("Plan of %(total)s sent to a supervisor: it is beyond policy.") % {"total": total}
    return _("Plan of %(total)s agreed; it runs from now.") % {"total": total}
