"""
The tables the synthetic book fills and the text COPY reads for them: the columns
written per model (the rest get their model default, ``bench.bulk``), and fast text for
instants, dates and amounts.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.utils import timezone

from cases.models import (
    Borrower,
    CaseEvent,
    CollectionCase,
    ContactPoint,
    Hold,
    Installment,
    LoanAccount,
    Payment,
    PromiseToPay,
    RepaymentPlan,
)
from contacts.models import ChannelOptOut, Consent, ContactAttempt

DAY = 86400


class Clock:
    """Fast text for instants and dates (COPY wants text; strftime per row is slow)."""

    def __init__(self, now: datetime):
        self.now = int(now.timestamp())
        self.today = timezone.localdate(now)
        # The start of today in the site's zone: nightly runs and "days ago" count from it.
        self.midnight = int(
            datetime.combine(self.today, datetime.min.time(), tzinfo=timezone.get_current_timezone()).timestamp()
        )
        self._days: dict[int, str] = {}

    def at(self, epoch: int) -> str:
        day, second = divmod(int(epoch), DAY)
        text = self._days.get(day)
        if text is None:
            text = self._days[day] = datetime.fromtimestamp(day * DAY, UTC).strftime("%Y-%m-%d")
        return f"{text} {second // 3600:02d}:{second // 60 % 60:02d}:{second % 60:02d}+00"

    def day(self, days_ago: int) -> str:
        return (self.today - timedelta(days=days_ago)).isoformat()


def _money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


TABLE_COLUMNS = {
    Borrower: [
        "id",
        "full_name",
        "national_id",
        "date_of_birth",
        "home_time_zone",
        "language",
        "vulnerable",
        "vulnerability_note",
        "policy_profile_code",
        "region",
        "created_at",
    ],
    ContactPoint: [
        "id",
        "borrower_id",
        "kind",
        "value",
        "label",
        "owner",
        "third_party_relation",
        "time_zone",
        "is_verified",
        "is_primary",
        "is_workplace",
        "is_invalid",
        "opted_out",
        "created_at",
    ],
    ChannelOptOut: ["id", "borrower_id", "channel", "requested_at", "note"],
    Consent: ["id", "borrower_id", "channel", "purpose", "granted_via", "evidence", "granted_at", "recorded_at"],
    LoanAccount: [
        "id",
        "borrower_id",
        "loan_number",
        "product",
        "currency",
        "principal",
        "outstanding_principal",
        "outstanding_interest",
        "outstanding_fees",
        "oldest_unpaid_due_date",
        "days_past_due",
        "region",
        "updated_at",
        "acknowledgement_evidence",
    ],
    CollectionCase: [
        "id",
        "account_id",
        "state",
        "ladder_rung",
        "assigned_collector_id",
        "opened_at",
        "state_changed_at",
        "closed_at",
        "written_notice_sent_at",
    ],
    CaseEvent: ["id", "case_id", "at", "kind", "actor_id", "transition", "from_state", "to_state", "code"],
    ContactAttempt: [
        "id",
        "case_id",
        "borrower_id",
        "channel",
        "direction",
        "contact_point_id",
        "agent_id",
        "started_at",
        "ended_at",
        "outcome",
        "conversation",
        "party_reached",
        "template_id",
        "message_text",
        "allowed",
        "reasons",
        "explanations",
        "next_allowed_at",
        "profile_id",
        "recorded_at",
        "placed_by",
    ],
    Payment: [
        "id",
        "account_id",
        "reference",
        "amount",
        "currency",
        "paid_at",
        "source",
        "applied_principal",
        "recorded_at",
    ],
    PromiseToPay: ["id", "case_id", "amount", "currency", "due_date", "status", "note", "created_at", "created_by_id"],
    RepaymentPlan: ["id", "case_id", "status", "total_amount", "currency", "note", "created_at", "created_by_id"],
    Installment: ["id", "plan_id", "sequence", "due_date", "amount", "status"],
    Hold: ["id", "case_id", "kind", "starts_at", "ends_at", "note", "placed_by_id"],
}
BOOK_MODELS = list(TABLE_COLUMNS)

# Most loan contracts carry consent to text and e-mail reminders (CN needs it first); the
# loan feed imports it, channel-wide.
CONSENT_RATE = 0.97
CONSENT_CHANNELS = ("sms", "email")


def contract_consent(consent_id: int, borrower_id: int, channel: str, created: str) -> str:
    return f"{consent_id}\t{borrower_id}\t{channel}\tcollection\timported\tloan contract (feed)\t{created}\t{created}"
