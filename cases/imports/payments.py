"""
Importing payments: each record checked (a known loan number, an amount above 0, a
timestamp with its UTC offset), then recorded through ``services.record_payment``
exactly as a payment from the feed is in the product.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from .. import services
from ..models import LoanAccount, Payment
from .records import _max_length, _Record, _records
from .results import ImportResult, RowError
from .run import _run

PAYMENT_COLUMNS = ("loan_number", "reference", "amount", "paid_at")
PAYMENT_REQUIRED = PAYMENT_COLUMNS


@dataclass
class _PaymentRow:
    line: int
    account: LoanAccount | None
    reference: str
    amount: Decimal | None
    paid_at: datetime | None


def import_payments(rows: Iterable[dict], *, by=None, trigger: str = "command") -> ImportResult:
    """Record each payment through ``services.record_payment``, so repeats are ignored
    and a payment that clears the balance resolves the case, exactly as in the product."""
    return _run("import_payments", rows, _check_payment_rows, _write_payment, by=by, trigger=trigger)


def _check_payment_rows(rows: Iterable[dict]) -> tuple[list[_PaymentRow], list[RowError], int]:
    checked, errors = [], []
    for record in _records(rows):
        checked.append(_check_payment(record))
        errors += record.errors
    return checked, errors, len(checked)


def _check_payment(record: _Record) -> _PaymentRow:
    loan_number = record.text("loan_number", required=True)
    account = LoanAccount.objects.filter(loan_number=loan_number).first() if loan_number else None
    if loan_number and account is None:
        record.error("loan_number", f"No account has loan number {loan_number}.")
    amount = record.money("amount", required=True)
    if amount == 0:
        record.error("amount", "A payment amount must be more than 0.")
    return _PaymentRow(
        line=record.line,
        account=account,
        amount=amount,
        paid_at=record.aware_datetime("paid_at"),
        reference=record.text("reference", required=True, max_length=_max_length(Payment, "reference")),
    )


def _write_payment(row: _PaymentRow, by) -> str:
    already_recorded = Payment.objects.filter(reference=row.reference).exists()
    # by=None: the lender's system is the payer's witness; who ran the import is on the JobRun.
    services.record_payment(row.account, row.amount, row.paid_at, row.reference, by=None, source=Payment.Source.FEED)
    return "unchanged" if already_recorded else "created"
