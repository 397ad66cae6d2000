"""
The nightly compliance scan: a list of small rules, each reading the book with a fixed
number of set-based queries and returning candidate findings; ``store_findings`` keeps
the ones not raised before (a finding's fingerprint is its rule, subject and evidence),
so the scan may run any number of times.

Adding a rule is adding a function to RULES (``runner``) and a test in
tests/compliance/test_scan.py.

One module per concept, every name below importable from ``compliance.scan``:

- ``window``: the window a rule looks at, and how it cites attempts and cases as evidence;
- ``attempts``: rules over single contact attempts (after repayment, repeated refusals,
  overrides, third parties);
- ``pacing``: the wait after a conversation, weekly caps reached week after week;
- ``followups``: field visits without a report, complaints still open;
- ``runner``: the list of rules and the scan that runs them and stores what they find.
"""

from ..findings import Candidate, Evidence, store_findings
from ..summaries import Summary
from .attempts import (
    REPEATED_BLOCKS,
    REPEATED_BLOCKS_WINDOW,
    contact_after_repayment,
    overrides,
    repeated_blocks,
    third_party_contacts,
)
from .followups import SERIOUS_COMPLAINTS, VISIT_REPORT_GRACE, open_complaints, visits_without_report
from .pacing import (
    CAP_WEEKS_LOOKED_AT,
    CAP_WEEKS_NEAR_LIMIT,
    MIN_NEAR_LIMIT,
    _borrower_zone,
    caps_near_limit,
    conversation_wait_breaches,
)
from .runner import DEFAULT_LOOKBACK_DAYS, RULES, compliance_scan
from .window import ATTEMPT_VALUES, ScanWindow, _attempt, _case, _instant

__all__ = [
    # What the rules return and how it is stored, as the scan has always exposed them.
    "Candidate",
    "Evidence",
    "Summary",
    "store_findings",
    "ATTEMPT_VALUES",
    "ScanWindow",
    "_attempt",
    "_case",
    "_instant",
    "REPEATED_BLOCKS",
    "REPEATED_BLOCKS_WINDOW",
    "contact_after_repayment",
    "overrides",
    "repeated_blocks",
    "third_party_contacts",
    "CAP_WEEKS_LOOKED_AT",
    "CAP_WEEKS_NEAR_LIMIT",
    "MIN_NEAR_LIMIT",
    "_borrower_zone",
    "caps_near_limit",
    "conversation_wait_breaches",
    "SERIOUS_COMPLAINTS",
    "VISIT_REPORT_GRACE",
    "open_complaints",
    "visits_without_report",
    "DEFAULT_LOOKBACK_DAYS",
    "RULES",
    "compliance_scan",
]
