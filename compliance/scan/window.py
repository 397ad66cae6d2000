"""
What every scan rule shares: the window it looks at, and how it cites a contact attempt
or a case as evidence.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from policy.codes import Channel

from ..findings import Evidence


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
