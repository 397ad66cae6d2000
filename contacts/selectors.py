"""Read queries for contacts: the collector's work queue, recent attempts."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Min, Q
from django.utils import timezone

from cases.models import LADDER, CaseState, CollectionCase, ContactPoint, PromiseToPay
from policy.codes import Channel

from . import engine
from .models import ContactAttempt


def work_queue(agent, at: datetime | None = None):
    """The agent's open cases that may be phoned now, by priority (most overdue, largest
    balance, soonest promise), and the rest with the time each becomes contactable.

    A fixed number of queries whatever the queue's length: the decisions come from
    ``engine.evaluate_many``.
    """
    at = at or timezone.now()
    workable = [*(s for s in LADDER if s != CaseState.NEW), CaseState.ARRANGEMENT]
    cases = list(
        CollectionCase.objects.filter(assigned_collector=agent, state__in=workable)
        .select_related("account__borrower")
        .annotate(promise_due=Min("promises__due_date", filter=Q(promises__status=PromiseToPay.Status.PENDING)))
    )
    phones = {}
    for point in ContactPoint.objects.filter(
        borrower__in={c.account.borrower_id for c in cases},
        kind="phone",
        owner="borrower",
        is_invalid=False,
    ).order_by("-is_primary", "pk"):
        phones.setdefault(point.borrower_id, point)
    points = {case.pk: phones.get(case.account.borrower_id) for case in cases}
    decisions = engine.evaluate_many(cases, Channel.PHONE_CALL, at, points)
    now, later = [], []
    for case in cases:
        row = {"case": case, "phone": points[case.pk], "decision": decisions[case.pk]}
        (now if row["decision"].allowed and row["phone"] is not None else later).append(row)
    far_future = datetime.max.replace(tzinfo=timezone.get_current_timezone())
    now.sort(
        key=lambda r: (
            -r["case"].account.days_past_due,
            -r["case"].account.outstanding_total,
            r["case"].promise_due or far_future.date(),
        )
    )
    later.sort(key=lambda r: r["decision"].next_allowed_at or far_future)
    return now, later


def recent_attempts(case, limit=20):
    return ContactAttempt.objects.filter(case=case).select_related("agent")[:limit]
