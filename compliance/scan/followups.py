"""
Rules on what must be followed up: field visits without a report, complaints still open.
"""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Q

from ..findings import Candidate, Evidence
from ..models import Complaint, Rule, Severity
from ..selectors import field_visit_model
from ..summaries import Summary
from .window import ScanWindow, _case, _instant

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
            Summary("visit_without_report", {"visit": row["pk"], "case": row["case_id"], "state": row["state"]}),
            [
                Evidence("visits.FieldVisit", row["pk"], "visit", {"visit": row["pk"], "state": row["state"]}),
                _case(row),
            ],
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
                "compliance.Complaint",
                complaint.pk,
                "complaint",
                {"complaint": complaint.pk, "category": complaint.category},
            )
        ]
        evidence += [
            Evidence(
                "contacts.ContactAttempt",
                attempt.pk,
                "attempt",
                {
                    "channel": attempt.channel,
                    "at": _instant(attempt.started_at),
                    "agent": attempt.agent.get_username() if attempt.agent_id else "",
                },
            )
            for attempt in complaint.attempts.all()
        ]
        if complaint.case_id:
            evidence.append(
                Evidence(
                    "cases.CollectionCase",
                    complaint.case_id,
                    "case",
                    {"case": complaint.case_id, "loan": complaint.case.account.loan_number},
                )
            )
        found.append(
            Candidate(
                Rule.COMPLAINT,
                Severity.HIGH if complaint.category in SERIOUS_COMPLAINTS else Severity.MEDIUM,
                Summary(
                    "complaint",
                    {
                        "category": complaint.category,
                        "channel": complaint.channel,
                        "received_at": _instant(complaint.received_at),
                    },
                ),
                evidence,
                case_id=complaint.case_id,
                borrower_id=complaint.borrower_id,
                agent_id=complaint.agent_id,
                key=f"complaint:{complaint.pk}",
            )
        )
    return found
