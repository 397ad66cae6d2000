"""
Rules over single contact attempts: contact after repayment, an agent refused again and
again, overrides, and third-party contacts.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from django.db.models import Case, F, OuterRef, Q, Subquery, When

from cases.models import CaseState, ContactPoint, Payment
from contacts.models import ContactAttempt

from ..findings import Candidate, Evidence
from ..models import Rule, Severity
from ..summaries import Summary
from .window import ATTEMPT_VALUES, ScanWindow, _attempt, _case, _instant

# Attempts blocked this often by one agent on one case within the window: pushing.
REPEATED_BLOCKS = 3
REPEATED_BLOCKS_WINDOW = timedelta(days=7)


def contact_after_repayment(window: ScanWindow) -> list[Candidate]:
    """All contact must stop at once after full repayment (DESIGN.md). Flags allowed
    outbound contacts after the case closed (high), and those between the borrower's
    paying off and the payment reaching us (medium: the information travelled late)."""
    clearing = Payment.objects.filter(
        account=OuterRef("case__account"), recorded_at__lte=OuterRef("case__closed_at")
    ).order_by("-paid_at", "-pk")
    paid_off = Q(
        case__account__outstanding_principal=0, case__account__outstanding_interest=0, case__account__outstanding_fees=0
    )
    rows = (
        ContactAttempt.objects.filter(
            allowed=True,
            direction=ContactAttempt.Direction.OUTBOUND,
            case__state=CaseState.RESOLVED,
            case__closed_at__isnull=False,
            started_at__gte=window.since,
        )
        .annotate(
            cleared_at=Case(When(paid_off, then=Subquery(clearing.values("paid_at")[:1]))),
            clearing_payment=Case(When(paid_off, then=Subquery(clearing.values("pk")[:1]))),
        )
        .filter(Q(started_at__gt=F("case__closed_at")) | Q(started_at__gt=F("cleared_at")))
        .values(*ATTEMPT_VALUES, "case__closed_at", "cleared_at", "clearing_payment")
    )
    found = []
    for row in rows:
        evidence = [_attempt(row), _case(row)]
        if row["clearing_payment"]:
            evidence.append(
                Evidence("cases.Payment", row["clearing_payment"], "payment", {"paid_at": _instant(row["cleared_at"])})
            )
        contacted, closed = _instant(row["started_at"]), _instant(row["case__closed_at"])
        if row["started_at"] > row["case__closed_at"]:
            severity = Severity.HIGH
            summary = Summary("contact_after_close", {"contacted_at": contacted, "closed_at": closed})
        else:
            severity = Severity.MEDIUM
            summary = Summary(
                "contact_after_payoff",
                {"contacted_at": contacted, "paid_off_at": _instant(row["cleared_at"]), "closed_at": closed},
            )
        found.append(
            Candidate(
                Rule.CONTACT_AFTER_REPAYMENT,
                severity,
                summary,
                evidence,
                case_id=row["case_id"],
                borrower_id=row["case__account__borrower_id"],
                agent_id=row["agent_id"],
                key=f"attempt:{row['pk']}",
            )
        )
    return found


def repeated_blocks(window: ScanWindow) -> list[Candidate]:
    """An agent refused three times on one case within seven days keeps pushing against
    the rules. Clusters are formed over each agent-and-case's whole blocked history, so a
    cluster keeps its first attempt (its identity) from one night to the next."""
    recent = ContactAttempt.objects.filter(allowed=False, agent__isnull=False, started_at__gte=window.since)
    pairs = set(recent.values_list("agent_id", "case_id").distinct())
    if not pairs:
        return []
    rows = (
        ContactAttempt.objects.filter(
            allowed=False, agent_id__in=recent.values("agent_id"), case_id__in=recent.values("case_id")
        )
        .order_by("agent_id", "case_id", "started_at", "pk")
        .values(*ATTEMPT_VALUES, "reasons")
    )
    by_pair = defaultdict(list)
    for row in rows:
        if (row["agent_id"], row["case_id"]) in pairs:
            by_pair[(row["agent_id"], row["case_id"])].append(row)
    found = []
    for (agent_id, case_id), attempts in by_pair.items():
        start = 0
        while start < len(attempts):
            end = start
            while (
                end + 1 < len(attempts)
                and attempts[end + 1]["started_at"] - attempts[start]["started_at"] <= REPEATED_BLOCKS_WINDOW
            ):
                end += 1
            cluster = attempts[start : end + 1]
            if len(cluster) < REPEATED_BLOCKS:
                start += 1
                continue
            reasons = sorted({reason for row in cluster for reason in row["reasons"]})
            first = cluster[0]
            found.append(
                Candidate(
                    Rule.REPEATED_BLOCKS,
                    Severity.MEDIUM,
                    Summary(
                        "repeated_blocks",
                        {
                            "agent": first["agent__username"],
                            "count": len(cluster),
                            "case": case_id,
                            "first_at": _instant(first["started_at"]),
                            "last_at": _instant(cluster[-1]["started_at"]),
                            "reasons": reasons,
                        },
                    ),
                    [_attempt(row) for row in cluster] + [_case(first)],
                    case_id=case_id,
                    borrower_id=first["case__account__borrower_id"],
                    agent_id=agent_id,
                    key=f"first-attempt:{first['pk']}",
                )
            )
            start = end + 1
    return found


def overrides(window: ScanWindow) -> list[Candidate]:
    """Every refusal a supervisor overrode: allowed by policy, with a written reason a
    reviewer should read. The subject is whoever decided the override."""
    rows = ContactAttempt.objects.filter(overridden_by__isnull=False, started_at__gte=window.since).values(
        *ATTEMPT_VALUES, "overridden_by_id", "overridden_by__username", "override_reason", "reasons"
    )
    return [
        Candidate(
            Rule.OVERRIDE,
            Severity.MEDIUM,
            Summary(
                "override",
                {
                    "supervisor": row["overridden_by__username"],
                    "reasons": list(row["reasons"]),
                    "case": row["case_id"],
                    "at": _instant(row["started_at"]),
                    "override_reason": row["override_reason"],
                },
            ),
            [_attempt(row), _case(row)],
            case_id=row["case_id"],
            borrower_id=row["case__account__borrower_id"],
            agent_id=row["overridden_by_id"],
            key=f"attempt:{row['pk']}",
        )
        for row in rows
    ]


def third_party_contacts(window: ScanWindow) -> list[Candidate]:
    """Contacts with third parties are allowed only narrowly (to locate the borrower,
    never disclosing the debt): each one is for a reviewer to read."""
    rows = ContactAttempt.objects.filter(
        allowed=True,
        direction=ContactAttempt.Direction.OUTBOUND,
        started_at__gte=window.since,
        contact_point__owner=ContactPoint.Owner.THIRD_PARTY,
    ).values(*ATTEMPT_VALUES, "contact_point_id", "contact_point__third_party_relation")
    return [
        Candidate(
            Rule.THIRD_PARTY_CONTACT,
            Severity.MEDIUM,
            Summary(
                "third_party_contact",
                {
                    "relation": row["contact_point__third_party_relation"] or "",
                    "at": _instant(row["started_at"]),
                    "case": row["case_id"],
                },
            ),
            [
                _attempt(row),
                Evidence(
                    "cases.ContactPoint",
                    row["contact_point_id"],
                    "third_party_point",
                    {"relation": row["contact_point__third_party_relation"] or ""},
                ),
                _case(row),
            ],
            case_id=row["case_id"],
            borrower_id=row["case__account__borrower_id"],
            agent_id=row["agent_id"],
            key=f"attempt:{row['pk']}",
        )
        for row in rows
    ]
