"""
The nightly compliance scan: a list of small rules, each reading the book with a fixed
number of set-based queries and returning candidate findings; ``store_findings`` keeps
the ones not raised before (a finding's fingerprint is its rule, subject and evidence),
so the scan may run any number of times.

Adding a rule is adding a function to RULES and a test in tests/compliance/test_scan.py.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Case, Count, F, Max, OuterRef, Q, Subquery, When
from django.utils import timezone

from cases.models import CaseState, CollectionCase, ContactPoint, Payment
from contacts.models import ContactAttempt
from policy.codes import Channel
from policy.models import PolicyProfile
from policy.selectors import current_profiles_by_code

from .findings import Candidate, Evidence, store_findings
from .models import Complaint, Rule, Severity
from .selectors import field_visit_model

DEFAULT_LOOKBACK_DAYS = 35
# Attempts blocked this often by one agent on one case within the window: pushing.
REPEATED_BLOCKS = 3
REPEATED_BLOCKS_WINDOW = timedelta(days=7)
# Weeks (of the last four) a borrower must have stood within one of a weekly cap.
CAP_WEEKS_LOOKED_AT = 4
CAP_WEEKS_NEAR_LIMIT = 3
# "Within one of the limit" means nothing for a cap of 2 (one call a week would do): never
# below two contacts, so such a cap is flagged when it was reached.
MIN_NEAR_LIMIT = 2
# A visit checked in but not reported this long after its window closed is overdue.
VISIT_REPORT_GRACE = timedelta(hours=12)


@dataclass
class ScanWindow:
    now: datetime
    since: datetime  # attempts from here on are looked at


def _when(instant: datetime) -> str:
    return f"{timezone.localtime(instant):%Y-%m-%d %H:%M}"


def _attempt(row: dict) -> Evidence:
    label = f"{Channel(row['channel']).label} {_when(row['started_at'])} by {row.get('agent__username') or 'system'}"
    return Evidence("contacts.ContactAttempt", row["pk"], label)


def _case(row: dict) -> Evidence:
    case_id = row["case_id"]
    return Evidence("cases.CollectionCase", case_id, f"Case {case_id} · {row['case__account__loan_number']}")


ATTEMPT_VALUES = [
    "pk",
    "started_at",
    "channel",
    "agent_id",
    "agent__username",
    "case_id",
    "case__account__loan_number",
    "case__account__borrower_id",
]


# --- the rules ------------------------------------------------------------------------------


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
                Evidence("cases.Payment", row["clearing_payment"], f"Payment paid {_when(row['cleared_at'])}")
            )
        if row["started_at"] > row["case__closed_at"]:
            severity = Severity.HIGH
            summary = f"Contacted {_when(row['started_at'])}, after the case closed on {_when(row['case__closed_at'])}."
        else:
            severity = Severity.MEDIUM
            summary = (
                f"Contacted {_when(row['started_at'])}, after the borrower paid off on "
                f"{_when(row['cleared_at'])} (the case closed when the payment reached us, "
                f"{_when(row['case__closed_at'])})."
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
                    f"{first['agent__username']} was refused {len(cluster)} times on case {case_id} between "
                    f"{_when(first['started_at'])} and {_when(cluster[-1]['started_at'])} ({', '.join(reasons)}).",
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
            f"{row['overridden_by__username']} overrode {', '.join(row['reasons'])} on case {row['case_id']} "
            f"({_when(row['started_at'])}): “{row['override_reason']}”",
            [_attempt(row), _case(row)],
            case_id=row["case_id"],
            borrower_id=row["case__account__borrower_id"],
            agent_id=row["overridden_by_id"],
            key=f"attempt:{row['pk']}",
        )
        for row in rows
    ]


def _borrower_zone(row: dict) -> ZoneInfo:
    # The borrower's own zone, else the profile's first fallback: the days of the wait
    # are the borrower's calendar days (Reg F 1006.14(b)(2)(i)(B)).
    name = row["case__account__borrower__home_time_zone"] or row["profile__fallback_time_zones"].split()[0]
    return ZoneInfo(name)


def conversation_wait_breaches(window: ScanWindow) -> list[Candidate]:
    """A call placed within the profile's wait after a telephone conversation, the
    conversation day being day 1, and not overridden (Reg F 1006.14(b)(2)(i)(B))."""
    longest_wait = PolicyProfile.objects.aggregate(days=Max("conversation_wait_days"))["days"]
    if not longest_wait:
        return []
    calls = ContactAttempt.objects.filter(
        channel=Channel.PHONE_CALL,
        allowed=True,
        direction=ContactAttempt.Direction.OUTBOUND,
        overridden_by__isnull=True,
        started_at__gte=window.since,
        profile__conversation_wait_days__isnull=False,
    )
    call_rows = list(
        calls.values(
            *ATTEMPT_VALUES,
            "profile__conversation_wait_days",
            "profile__fallback_time_zones",
            "case__account__borrower__home_time_zone",
        )
    )
    if not call_rows:
        return []
    conversations = defaultdict(list)
    for row in (
        ContactAttempt.objects.filter(
            conversation=True,
            allowed=True,
            case_id__in=calls.values("case_id"),
            started_at__gte=window.since - timedelta(days=longest_wait),
        )
        .order_by("started_at", "pk")
        .values(*ATTEMPT_VALUES)
    ):
        conversations[row["case_id"]].append(row)
    found = []
    for call in call_rows:
        earlier = [c for c in conversations[call["case_id"]] if c["started_at"] < call["started_at"]]
        if not earlier:
            continue
        talk = earlier[-1]  # the latest one decides: an earlier conversation's wait ended sooner
        zone = _borrower_zone(call)
        day = (call["started_at"].astimezone(zone).date() - talk["started_at"].astimezone(zone).date()).days + 1
        wait = call["profile__conversation_wait_days"]
        if day > wait:
            continue
        found.append(
            Candidate(
                Rule.CONVERSATION_WAIT,
                Severity.HIGH,
                f"Called on day {day} of the {wait}-day wait after a conversation on {_when(talk['started_at'])}.",
                [_attempt(call), _attempt(talk), _case(call)],
                case_id=call["case_id"],
                borrower_id=call["case__account__borrower_id"],
                agent_id=call["agent_id"],
                key=f"attempt:{call['pk']}",
            )
        )
    return found


def caps_near_limit(window: ScanWindow) -> list[Candidate]:
    """Weekly contact that stays within one of the cap week after week complies on paper
    but wears the borrower down: flag three of the last four weeks at limit-1 or more."""
    weeks = [
        (window.now - timedelta(days=7 * (k + 1)), window.now - timedelta(days=7 * k))
        for k in range(CAP_WEEKS_LOOKED_AT)
    ]
    made = ContactAttempt.objects.filter(allowed=True, direction=ContactAttempt.Direction.OUTBOUND)
    near = defaultdict(list)  # (cap, borrower_id, case_id or None) -> [(week start, count, limit)]
    latest_case = {}
    for code, profile in current_profiles_by_code().items():
        measures = []
        if profile.attempts_per_borrower_7d:
            measures.append(("attempts_per_borrower_7d", profile.attempts_per_borrower_7d, made, False))
        if profile.calls_per_debt_7d:
            measures.append(
                ("calls_per_debt_7d", profile.calls_per_debt_7d, made.filter(channel=Channel.PHONE_CALL), True)
            )
        for cap, limit, counted, per_debt in measures:
            for start, end in weeks:
                grouped = counted.filter(borrower__policy_profile_code=code, started_at__gte=start, started_at__lt=end)
                grouped = grouped.values("borrower_id", "case_id") if per_debt else grouped.values("borrower_id")
                near_limit = max(limit - 1, MIN_NEAR_LIMIT)
                for row in grouped.annotate(n=Count("pk"), last_case=Max("case_id")).filter(n__gte=near_limit):
                    subject = (cap, row["borrower_id"], row["case_id"] if per_debt else None)
                    near[subject].append((start, row["n"], limit))
                    latest_case[subject] = max(latest_case.get(subject, 0), row["last_case"])
    flagged = {subject: counts for subject, counts in near.items() if len(counts) >= CAP_WEEKS_NEAR_LIMIT}
    if not flagged:
        return []
    loans = dict(
        CollectionCase.objects.filter(pk__in=set(latest_case[s] for s in flagged)).values_list(
            "pk", "account__loan_number"
        )
    )
    year, week, _ = window.now.isocalendar()
    found = []
    for subject, counts in flagged.items():
        cap, borrower_id, _debt = subject
        case_id = latest_case[subject]
        limit = counts[0][2]
        weekly = ", ".join(
            f"{n} in the week from {timezone.localtime(start):%Y-%m-%d}" for start, n, _limit in sorted(counts)
        )
        what = "attempts on all channels" if cap == "attempts_per_borrower_7d" else "calls on this debt"
        found.append(
            Candidate(
                Rule.CAPS_NEAR_LIMIT,
                Severity.MEDIUM,
                f"Borrower {borrower_id}: {what} within one of the weekly limit of {limit} in {len(counts)} of the last "
                f"{CAP_WEEKS_LOOKED_AT} weeks ({weekly}).",
                [
                    Evidence("cases.Borrower", borrower_id, f"Borrower {borrower_id}"),
                    Evidence("cases.CollectionCase", case_id, f"Case {case_id} · {loans.get(case_id, '')}"),
                ],
                case_id=case_id,
                borrower_id=borrower_id,
                key=f"{cap}:{year}-W{week:02d}",
            )
        )
    return found


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
            f"Third party ({row['contact_point__third_party_relation'] or 'relation not given'}) contacted "
            f"{_when(row['started_at'])} on case {row['case_id']}.",
            [
                _attempt(row),
                Evidence(
                    "cases.ContactPoint",
                    row["contact_point_id"],
                    f"Third-party contact point ({row['contact_point__third_party_relation']})",
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


RULES = [
    contact_after_repayment,
    repeated_blocks,
    overrides,
    conversation_wait_breaches,
    caps_near_limit,
    third_party_contacts,
    visits_without_report,
    open_complaints,
]


# --- running ------------------------------------------------------------------------------------


def compliance_scan(now: datetime | None = None, lookback_days: int | None = None) -> dict[str, int]:
    """Run every rule over the last ``lookback_days`` (settings.COMPLIANCE_SCAN_LOOKBACK_DAYS,
    default 35) and store new findings. Returns what each rule saw and how many were new."""
    now = now or timezone.now()
    days = lookback_days or getattr(settings, "COMPLIANCE_SCAN_LOOKBACK_DAYS", DEFAULT_LOOKBACK_DAYS)
    window = ScanWindow(now=now, since=now - timedelta(days=days))
    counts, candidates = {}, []
    for rule in RULES:
        found = rule(window)
        counts[rule.__name__] = len(found)
        candidates.extend(found)
    counts["created"] = len(store_findings(candidates, now))
    return counts
