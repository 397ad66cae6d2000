"""The dossier as CSV rows for a spreadsheet (``csv_rows``) and the download's file name
(``csv_filename``); ``core.exports`` writes them, each cell made safe to open
(``spreadsheet_safe``, re-exported here for the dossier's callers)."""

from __future__ import annotations

from datetime import datetime
import re
from zoneinfo import ZoneInfo

from core.exports import spreadsheet_safe

from .records import Dossier

__all__ = ["CSV_HEADER", "csv_filename", "csv_rows", "spreadsheet_safe"]

CSV_HEADER = [
    "section",
    "at (UTC)",
    "borrower local time",
    "what",
    "who",
    "summary",
    "details",
    "blocked",
    "overridden",
    "off hours",
    "reasons",
    "template",
    "message text",
    "record",
]


def csv_filename(case_pk: int, loan_number: str) -> str:
    """The download's name: letters, digits, "." "_" "-" of the loan number, nothing that
    could end the header or the quoted name (quotes, ";", line breaks)."""
    safe = re.sub(r"[^\w.-]+", "_", loan_number).strip("._")[:60] or "loan"
    return f"dossier-case-{case_pk}-{safe}.csv"


def _utc(instant: datetime | None) -> str:
    return instant.astimezone(ZoneInfo("UTC")).isoformat() if instant else ""


def csv_rows(dossier: Dossier):
    """The dossier as rows for a spreadsheet: the timeline, then money and arrangements,
    then every history diff."""
    yield CSV_HEADER
    flag = {True: "yes", False: ""}
    for entry in dossier.timeline:
        yield [
            entry.section,
            _utc(entry.at),
            entry.borrower_local,
            entry.kind,
            entry.actor,
            entry.summary,
            " | ".join(entry.details),
            flag[entry.blocked],
            flag[entry.overridden],
            flag[entry.off_hours],
            " ".join(entry.reasons),
            entry.template,
            entry.message_text,
            entry.record,
        ]
    for payment in dossier.payments:
        yield [
            "payment",
            _utc(payment.paid_at),
            "",
            payment.get_source_display(),
            payment.recorded_by.get_username() if payment.recorded_by_id else "system",
            f"{payment.amount} {payment.currency} ({payment.reference})",
            f"recorded {_utc(payment.recorded_at)}",
            "",
            "",
            "",
            "",
            "",
            "",
            f"cases.Payment#{payment.pk}",
        ]
    for hold in dossier.holds:
        yield [
            "hold",
            _utc(hold.starts_at),
            "",
            hold.get_kind_display(),
            hold.placed_by.get_username() if hold.placed_by_id else "system",
            hold.note,
            f"ends {_utc(hold.ends_at) or 'when released'}; released {_utc(hold.released_at) or 'no'}",
            "",
            "",
            "",
            "",
            "",
            "",
            f"cases.Hold#{hold.pk}",
        ]
    for promise in dossier.promises:
        yield [
            "promise",
            _utc(promise.created_at),
            "",
            promise.get_status_display(),
            promise.created_by.get_username(),
            f"{promise.amount} {promise.currency} by {promise.due_date}",
            promise.note,
            "",
            "",
            "",
            "",
            "",
            "",
            f"cases.PromiseToPay#{promise.pk}",
        ]
    for plan in dossier.plans:
        yield [
            "plan",
            _utc(plan.created_at),
            "",
            plan.get_status_display(),
            plan.created_by.get_username(),
            f"{plan.total_amount} {plan.currency}, {len(plan.installments.all())} instalments",
            plan.note,
            "",
            "",
            "",
            "",
            "",
            "",
            f"cases.RepaymentPlan#{plan.pk}",
        ]
    for change in dossier.history:
        yield [
            "history",
            _utc(change.at),
            change.borrower_local,
            f"{change.model} #{change.object_id} {change.change_type}",
            change.user,
            change.reason,
            " | ".join(f"{name}: {old} → {new}" for name, old, new in change.changes),
            "",
            "",
            "",
            "",
            "",
            "",
            f"{change.model}#{change.object_id}",
        ]
