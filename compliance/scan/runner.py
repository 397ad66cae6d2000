"""
Running the scan: the list of rules, and ``compliance_scan``, which runs them over the
window and stores the new findings.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from ..findings import store_findings
from .attempts import contact_after_repayment, overrides, repeated_blocks, third_party_contacts
from .followups import open_complaints, visits_without_report
from .pacing import caps_near_limit, conversation_wait_breaches
from .window import ScanWindow

DEFAULT_LOOKBACK_DAYS = 35


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
