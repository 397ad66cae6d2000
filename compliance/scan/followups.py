"""
Rules on what must be followed up: field visits without a report, complaints still open.
"""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Q

from ..findings import Candidate, Evidence
from ..models import Complaint, Rule, Severity
from ..selectors import field_visit_model
from .window import ScanWindow, _case, _when

# A visit checked in but not reported this long after its window closed is overdue.
VISIT_REPORT_GRACE = timedelta(hours=12)


def visits_without_report(window: ScanWindow) -> list[Candidate]:
    """Field visits checked in but never reported after their window, or completed with
    report items missing. Lights up once the visits app provides FieldVisit."""
    FieldVisit = field_visit_model()
    if FieldVisit is None:
        return []
    names = {f.name for f in FieldVisit._meta.get_fields()}
    condition = Q(pk__in=[])
    if {"state", "window_end"} <= names:
        condition |= Q(state="in_progress", window_end__lt=window.now - VISIT_REPORT_GRACE)
    report_gaps = [
        Q(**{name: value})
        for name, value in (
            ("identity_verified", False),
            ("willingness", ""),
            ("ability", ""),
            ("next_steps", ""),
            ("conduct_attested", False),
        )
        if name in names
    ]
    if "state" in names and report_gaps:
        gaps = report_gaps[0]
        for gap in report_gaps[1:]:
            gaps |= gap
        condition |= Q(state="completed") & gaps
    rows = FieldVisit.objects.filter(condition).values(
        "pk", "state", "case_id", "case__account__loan_number", "case__account__borrower_id"
    )
    return [
        Candidate(
            Rule.VISIT_WITHOUT_REPORT,
            Severity.HIGH,
            f"Field visit {row['pk']} on case {row['case_id']} is {row['state'].replace('_', ' ')} without a "
            "completed report.",
            [Evidence("visits.FieldVisit", row["pk"], f"Visit {row['pk']} ({row['state']})"), _case(row)],
            case_id=row["case_id"],
            borrower_id=row["case__account__borrower_id"],
            key=f"visit:{row['pk']}",
        )
        for row in rows
    ]


SERIOUS_COMPLAINTS = {Complaint.Category.HARASSMENT, Complaint.Category.PRIVACY, Complaint.Category.IMPOSTOR}


def open_complaints(window: ScanWindow) -> list[Candidate]:
    """Each complaint still open is in the findings queue until resolved."""
    found = []
    for complaint in (
        Complaint.objects.filter(resolved_at__isnull=True)
        .select_related("case__account")
        .prefetch_related("attempts__agent")
    ):
        evidence = [
            Evidence(
                "compliance.Complaint", complaint.pk, f"Complaint {complaint.pk} ({complaint.get_category_display()})"
            )
        ]
        evidence += [Evidence("contacts.ContactAttempt", a.pk, str(a)) for a in complaint.attempts.all()]
        if complaint.case_id:
            evidence.append(
                Evidence(
                    "cases.CollectionCase",
                    complaint.case_id,
                    f"Case {complaint.case_id} · {complaint.case.account.loan_number}",
                )
            )
        found.append(
            Candidate(
                Rule.COMPLAINT,
                Severity.HIGH if complaint.category in SERIOUS_COMPLAINTS else Severity.MEDIUM,
                f"{complaint.get_category_display()} complaint received {_when(complaint.received_at)} "
                f"({complaint.get_channel_display().lower()}).",
                evidence,
                case_id=complaint.case_id,
                borrower_id=complaint.borrower_id,
                agent_id=complaint.agent_id,
                key=f"complaint:{complaint.pk}",
            )
        )
    return found
