"""
The counts the caps judge (daily caps, the windowed caps, the wait after a conversation),
for all the facts of a batch, from the borrowers' counted attempts in the history window:
a few dozen rows per borrower at most, read in one plain query (``facts``) and counted
here, which costs far less than compiling filtered aggregates and window queries on every
check.

The windowed caps count borrower-local calendar dates (``rules.calendar_window``): a row
is in a window when its local date in a candidate zone is on or after the window's first
date there, and a cap counts the most any zone holds. Each row's local date is read once
per zone and tallied for every cap at once; the instants each cap counted are kept so a
rule can tell on which date a slot frees.
"""

from __future__ import annotations

from collections import defaultdict
from zoneinfo import ZoneInfo

from policy.codes import CONNECTED, UNANSWERED, Channel, Outcome

from .rules import WEEK_DAYS, WORKPLACE_WINDOW_DAYS, Facts, calendar_window_start

# The windowed caps: the Facts field each counts into, and over how many calendar dates.
WINDOWED = {
    "debt_calls_7d": WEEK_DAYS,
    "workplace_calls_30d": WORKPLACE_WINDOW_DAYS,
    "attempts_7d": WEEK_DAYS,
    "account_attempts_7d": WEEK_DAYS,
}


def load_counts(facts: list[Facts], attempt_rows, from_db) -> None:
    """Set every count of ``facts`` from ``attempt_rows`` (``facts._counted_attempts_sql``;
    ``from_db`` reads an instant as plain SQL returns it)."""
    rows_of_borrower = defaultdict(list)
    for borrower, case, point, channel, outcome, started, conversation, workplace, account in attempt_rows:
        rows_of_borrower[borrower].append(
            (case, point, channel, outcome, from_db(started), bool(conversation), bool(workplace), account)
        )
    first_days = {}  # (zone, instant, days) -> the first local date a window counts
    for f in facts:
        rows = rows_of_borrower.get(f.case.account.borrower_id)
        if not rows:  # never contacted in the window: every count stays at its zero
            f.counted = {measure: [] for measure in WINDOWED}
            continue
        for days in (WEEK_DAYS, WORKPLACE_WINDOW_DAYS):
            for zone in f.zones:
                if (zone, f.at, days) not in first_days:
                    first_days[zone, f.at, days] = calendar_window_start(f.at, zone, days)
        _count(f, rows, first_days)


def _count(f: Facts, rows, first_days) -> None:
    profile = f.profile
    debt_channels = {Channel.PHONE_CALL, Channel.SMS} if profile.sms_counts_as_call else {Channel.PHONE_CALL}
    # Reg F counts calls placed, not network failures (calls_count_busy).
    busy_counts = profile.calls_count_busy
    workplace_capped = profile.calls_to_workplace_30d is not None
    # Each borrower's "today" starts at their own local midnight.
    day_start, day_end = f.next_local_midnight(days=0), f.next_local_midnight(days=1)
    point_id = f.contact_point.pk if f.contact_point is not None else None
    case_pk, case_account_id = f.case.pk, f.case.account_id
    zones = [
        (ZoneInfo(zone), first_days[zone, f.at, WEEK_DAYS], first_days[zone, f.at, WORKPLACE_WINDOW_DAYS])
        for zone in f.zones
    ]
    # Per candidate zone, in the order of f.zones.
    debt, workplace, attempts, account = [0] * len(zones), [0] * len(zones), [0] * len(zones), [0] * len(zones)
    counted = {measure: [] for measure in WINDOWED}
    for case_id, row_point_id, row_channel, outcome, started_at, conversation, is_workplace, account_id in rows:
        call = row_channel == Channel.PHONE_CALL
        if day_start <= started_at < day_end:
            f.sms_today += row_channel == Channel.SMS
            f.connected_calls_today += call and outcome in CONNECTED
            if point_id is not None and row_point_id == point_id:
                f.unanswered_to_point_today += call and outcome in UNANSWERED
        same_account = account_id == case_account_id
        debt_call = case_id == case_pk and row_channel in debt_channels and (busy_counts or outcome != Outcome.BUSY)
        to_debt = debt_call and not (workplace_capped and is_workplace)
        to_workplace = debt_call and is_workplace
        counted["attempts_7d"].append(started_at)
        if same_account:
            counted["account_attempts_7d"].append(started_at)
        if to_debt:
            counted["debt_calls_7d"].append(started_at)
        if to_workplace:
            counted["workplace_calls_30d"].append(started_at)
        for index, (zone, week_start, month_start) in enumerate(zones):
            local = started_at.astimezone(zone).date()
            if local >= week_start:
                attempts[index] += 1
                account[index] += same_account
                debt[index] += to_debt
            if to_workplace and local >= month_start:
                workplace[index] += 1
        if case_id == case_pk and call and conversation:
            if f.last_conversation_at is None or started_at > f.last_conversation_at:
                f.last_conversation_at = started_at
    f.debt_calls_7d = max(debt, default=0)
    f.workplace_calls_30d = max(workplace, default=0)
    f.attempts_7d = max(attempts, default=0)
    f.account_attempts_7d = max(account, default=0)
    f.counted = counted
