"""
What a dossier is made of: the timeline entry, the history change and the dossier itself,
the clock that shows server and borrower-local time, and links to records' admin pages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from django.urls import NoReverseMatch, reverse

from cases.models import (
    Borrower,
    CollectionCase,
    ContactPoint,
    ForbearanceAssessment,
    Hold,
    LoanAccount,
    Payment,
    PromiseToPay,
    RepaymentPlan,
)
from core.when import local_datetime


def admin_url(model_label: str, pk) -> str:
    """The admin change page of a record, or "" when that model has none."""
    app_label, model_name = model_label.split(".")
    try:
        return reverse(f"admin:{app_label}_{model_name.lower()}_change", args=[pk])
    except NoReverseMatch:
        return ""


@dataclass
class Entry:
    at: datetime
    borrower_local: str
    section: str  # event, attempt, message, visit, complaint, finding
    kind: str
    actor: str
    summary: str
    details: list[str] = field(default_factory=list)
    blocked: bool = False
    overridden: bool = False
    off_hours: bool = False
    reasons: tuple[str, ...] = ()
    template: str = ""
    message_text: str = ""
    record: str = ""  # app_label.Model#pk
    url: str = ""


@dataclass
class HistoryChange:
    at: datetime
    borrower_local: str
    model: str
    object_id: int
    url: str
    change_type: str  # created, changed, deleted
    user: str
    reason: str
    changes: list[tuple[str, str, str]]  # field, before, after
    # For the page: the record and its fields named in the reader's language.
    record_label: str = ""
    field_labels: dict[str, str] = field(default_factory=dict)


@dataclass
class Dossier:
    case: CollectionCase
    account: LoanAccount
    borrower: Borrower
    profile_label: str
    zone: str
    national_id: str
    contact_points: list[tuple[ContactPoint, str]]
    timeline: list[Entry]
    payments: list[Payment]
    holds: list[Hold]
    promises: list[PromiseToPay]
    plans: list[RepaymentPlan]
    history: list[HistoryChange]
    other_cases: list[CollectionCase]
    visits_included: bool
    forbearance: list[ForbearanceAssessment] = field(default_factory=list)
    limitation: str = ""  # the limitation date and its basis, in the reader's language
    # The borrower's consent ledger: consents, withdrawals, the messages they sent us.
    consents: list = field(default_factory=list)
    revocations: list = field(default_factory=list)
    inbound_messages: list = field(default_factory=list)


class _Clock:
    """Server time and the borrower's local time, the way reviewers read both."""

    def __init__(self, zone: ZoneInfo):
        self.zone = zone

    def local(self, instant: datetime | None) -> str:
        if instant is None:
            return ""
        return local_datetime(instant, self.zone, show_zone=True)


def _shown_point(point: ContactPoint | None, full: bool) -> str:
    if point is None:
        return ""
    return point.value if full else point.masked_value
