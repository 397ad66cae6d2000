"""
Rules on the pace of contact: a call inside the wait after a conversation, and weekly
caps reached week after week.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from zoneinfo import ZoneInfo

from django.db.models import Count, Max
from django.utils import timezone

from cases.models import CollectionCase
from contacts.models import ContactAttempt
from policy.codes import Channel
from policy.models import PolicyProfile
from policy.selectors import current_profiles_by_code

from ..findings import Candidate, Evidence
from ..models import Rule, Severity
from ..summaries import Summary
from .window import ATTEMPT_VALUES, ScanWindow, _attempt, _case, _instant

# Weeks (of the last four) a borrower must have stood within one of a weekly cap.
CAP_WEEKS_LOOKED_AT = 4
CAP_WEEKS_NEAR_LIMIT = 3
# "Within one of the limit" means nothing for a cap of 2 (one call a week would do): never
# below two contacts, so such a cap is flagged when it was reached.
MIN_NEAR_LIMIT = 2


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
                Summary(
                    "conversation_wait",
                    {"day": day, "wait": wait, "conversation_at": _instant(talk["started_at"])},
                ),
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
        # Each week by its first day, the site's calendar day.
        weeks_counted = [
            {"from": timezone.localtime(start).date().isoformat(), "count": n} for start, n, _limit in sorted(counts)
        ]
        found.append(
            Candidate(
                Rule.CAPS_NEAR_LIMIT,
                Severity.MEDIUM,
                Summary(
                    "caps_near_limit",
                    {
                        "borrower": borrower_id,
                        "measure": cap,
                        "limit": limit,
                        "looked_at": CAP_WEEKS_LOOKED_AT,
                        "weeks": weeks_counted,
                    },
                ),
                [
                    Evidence("cases.Borrower", borrower_id, "borrower", {"borrower": borrower_id}),
                    Evidence(
                        "cases.CollectionCase", case_id, "case", {"case": case_id, "loan": loans.get(case_id, "")}
                    ),
                ],
                case_id=case_id,
                borrower_id=borrower_id,
                key=f"{cap}:{year}-W{week:02d}",
            )
        )
    return found
