"""Each person's counts on the staff home: the work that calls for them today. One query
per count a role has; a count links to the page where the work is done."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import PromiseToPay, RepaymentPlan
from cases.selectors import visible_cases
from compliance.models import Finding
from contacts.models import Callback
from visits.models import LIVE_STATES, FieldVisit, VisitState

from .audience import works_a_queue


def counts(user) -> list[dict]:
    """[{label, count, url}] for what this user does; empty for roles with no queue."""
    now = timezone.now()
    found = []
    if works_a_queue(user):
        mine = visible_cases(user).filter(assigned_collector=user)
        queue = reverse("desk:queue")
        found += [
            {
                "key": "callbacks_due",
                "label": _("Callbacks due"),
                "count": Callback.objects.due(now).filter(case__in=mine).count(),
                "url": f"{queue}?section=callbacks_due",
            },
            {
                "key": "promises_due",
                "label": _("Promises due today"),
                "count": PromiseToPay.objects.filter(
                    case__in=mine, status=PromiseToPay.Status.PENDING, due_date__lte=timezone.localdate(now)
                ).count(),
                "url": f"{queue}?section=promises_due",
            },
        ]
    if user.has_perm("cases.approve_repayment_plan"):
        found.append(
            {
                "key": "plans_to_approve",
                "label": _("Repayment plans to approve"),
                "count": RepaymentPlan.objects.filter(status=RepaymentPlan.Status.PROPOSED).count(),
                "url": reverse("admin:cases_repaymentplan_changelist") + "?status__exact=proposed",
            }
        )
    if user.has_perm("visits.approve_fieldvisit"):
        found.append(
            {
                "key": "visits_to_decide",
                "label": _("Field visits to decide"),
                "count": FieldVisit.objects.filter(state=VisitState.REQUESTED).count(),
                "url": reverse("visits:inbox"),
            }
        )
    if user.has_perm("visits.carry_out_fieldvisit"):
        found.append(
            {
                "key": "visits_to_carry_out",
                "label": _("Visits to carry out"),
                "count": FieldVisit.objects.filter(agents__user=user, state__in=LIVE_STATES).distinct().count(),
                "url": reverse("visits:mine"),
            }
        )
    if user.has_perm("compliance.view_finding"):
        found.append(
            {
                "key": "findings_to_review",
                "label": _("Findings to review"),
                "count": Finding.objects.filter(status=Finding.Status.OPEN).count(),
                "url": reverse("compliance:workspace"),
            }
        )
    return found
