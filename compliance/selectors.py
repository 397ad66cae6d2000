"""Read queries for the reviewer workspace: queues, the field-visit hook, the retention
report. The dossier and the contact-intensity charts have their own modules
(``compliance.dossier``, ``compliance.intensity``)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Case, Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.utils import timezone

from cases.models import CLOSED_STATES, Borrower, CaseEvent, CollectionCase, Payment
from contacts.models import ContactAttempt
from policy.selectors import current_profiles_by_code

from .models import SEVERITY_ORDER, Complaint, Finding, ReviewSample, Rule


def field_visit_model():
    """The visits app's FieldVisit, once it exists with a ``case`` foreign key to
    CollectionCase; None before. Dossier and scan include visits only through this hook."""
    if not apps.is_installed("visits"):
        return None
    try:
        model = apps.get_model("visits", "FieldVisit")
        case_field = model._meta.get_field("case")
    except (LookupError, FieldDoesNotExist):
        return None
    return model if case_field.is_relation and case_field.related_model is CollectionCase else None


# --- the workspace queues -------------------------------------------------------------------


def findings_queue() -> QuerySet[Finding]:
    """Open findings, most severe first, then newest."""
    rank = Case(
        *(When(severity=severity, then=Value(order)) for severity, order in SEVERITY_ORDER.items()),
        default=Value(9),
        output_field=IntegerField(),
    )
    return (
        Finding.objects.filter(status=Finding.Status.OPEN)
        .annotate(severity_rank=rank)
        .select_related("case__account", "agent", "borrower")
        .order_by("severity_rank", "-detected_at", "-pk")
    )


def open_finding_counts() -> list[dict]:
    """Open findings per rule, each rule with its label in the reader's language."""
    rows = list(
        Finding.objects.filter(status=Finding.Status.OPEN).values("rule").annotate(n=Count("pk")).order_by("-n", "rule")
    )
    labels = dict(Rule.choices)
    return [{**row, "label": str(labels.get(row["rule"], row["rule"]))} for row in rows]


def samples_due() -> QuerySet[ReviewSample]:
    return (
        ReviewSample.objects.filter(verdict=ReviewSample.Verdict.PENDING)
        .select_related("case__account", "agent")
        .order_by("week", "agent__username", "case_id")
    )


def open_complaints() -> QuerySet[Complaint]:
    return (
        Complaint.objects.filter(resolved_at__isnull=True)
        .select_related("borrower", "case__account", "agent", "hold")
        .order_by("received_at")
    )


def agents_to_watch(days: int = 30, now: datetime | None = None, limit: int = 15) -> list[dict]:
    """Agents by refused and overridden contacts in the last ``days``, one query."""
    since = (now or timezone.now()) - timedelta(days=days)
    return list(
        ContactAttempt.objects.filter(agent__isnull=False, started_at__gte=since)
        .values("agent_id", "agent__username")
        .annotate(
            attempts=Count("pk"),
            blocked=Count("pk", filter=Q(allowed=False)),
            overridden=Count("pk", filter=Q(overridden_by__isnull=False)),
        )
        .order_by("-blocked", "-overridden", "-attempts")[:limit]
    )


# --- retention ----------------------------------------------------------------------------------


def years_after(instant: datetime, years: int) -> datetime:
    try:
        return instant.replace(year=instant.year + years)
    except ValueError:  # 29 February in a year that has none
        return instant.replace(year=instant.year + years, day=28)


@dataclass
class RetentionRow:
    case: CollectionCase
    last_activity: datetime
    retention_years: int
    kept_until: datetime


@dataclass
class RetentionReport:
    cases: list[RetentionRow]
    borrowers: list[tuple[Borrower, datetime]]  # every case of theirs past retention; kept until


def retention_report(now: datetime | None = None) -> RetentionReport:
    """Closed cases whose last activity (closure, event, contact or payment) is older than
    the borrower's profile's retention period, and borrowers all of whose cases are.
    Nothing is deleted: this is the list a records officer works from."""
    now = now or timezone.now()
    profiles = current_profiles_by_code()
    shortest = min((p.retention_years for p in profiles.values()), default=5)
    # No case closed after this instant can be past any profile's retention.
    latest_closure = years_after(now, -shortest)
    closed = (
        CollectionCase.objects.filter(state__in=CLOSED_STATES, closed_at__lt=latest_closure)
        .select_related("account__borrower")
        .annotate(
            last_event=Subquery(CaseEvent.objects.filter(case=OuterRef("pk")).order_by("-at").values("at")[:1]),
            last_attempt=Subquery(
                ContactAttempt.objects.filter(case=OuterRef("pk")).order_by("-started_at").values("started_at")[:1]
            ),
            last_payment=Subquery(
                Payment.objects.filter(account=OuterRef("account")).order_by("-paid_at").values("paid_at")[:1]
            ),
        )
        .order_by("closed_at", "pk")
    )
    rows = []
    for case in closed:
        profile = profiles.get(case.account.borrower.policy_profile_code)
        years = profile.retention_years if profile else shortest
        last = max(t for t in (case.closed_at, case.last_event, case.last_attempt, case.last_payment) if t)
        kept_until = years_after(last, years)
        if kept_until <= now:
            rows.append(RetentionRow(case=case, last_activity=last, retention_years=years, kept_until=kept_until))

    expired = defaultdict(list)
    for row in rows:
        expired[row.case.account.borrower_id].append(row)
    case_totals = dict(
        CollectionCase.objects.filter(account__borrower_id__in=list(expired))
        .values("account__borrower_id")
        .annotate(n=Count("pk"))
        .values_list("account__borrower_id", "n")
    )
    borrowers = [
        (found[0].case.account.borrower, max(r.kept_until for r in found))
        for borrower_id, found in expired.items()
        if len(found) == case_totals.get(borrower_id)
    ]
    return RetentionReport(cases=rows, borrowers=borrowers)
