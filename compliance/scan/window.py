"""
What every scan rule shares: the window it looks at, how it keeps an instant among a
finding's parameters, and how it cites a contact attempt or a case as evidence.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..findings import Evidence


@dataclass
class ScanWindow:
    now: datetime
    since: datetime  # attempts from here on are looked at


def _instant(instant: datetime | None) -> str | None:
    """An instant as a finding's parameters keep it: ISO text, worded when read."""
    return instant.isoformat() if instant is not None else None


def _attempt(row: dict) -> Evidence:
    params = {"channel": row["channel"], "at": _instant(row["started_at"]), "agent": row.get("agent__username") or ""}
    return Evidence("contacts.ContactAttempt", row["pk"], "attempt", params)


def _case(row: dict) -> Evidence:
    case_id = row["case_id"]
    return Evidence(
        "cases.CollectionCase", case_id, "case", {"case": case_id, "loan": row["case__account__loan_number"]}
    )


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
