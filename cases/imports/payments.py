"""
Importing payments: each record checked (a known loan number, an amount above 0, a
timestamp with its UTC offset), then recorded through ``services.record_payment``
exactly as a payment from the feed is in the product.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from .. import services
from ..models import Currency, LoanAccount, Payment
from .records import _max_length, _Record
from .results import ImportResult, RowError
from .run import _apply_one, _run, _write_each

PAYMENT_REQUIRED = ("loan_number", "reference", "amount", "paid_at")
# Optional: the payment's currency, which must be the account's (blank: the account's).
PAYMENT_COLUMNS = (*PAYMENT_REQUIRED, "currency")


@dataclass
class _PaymentRow:
    line: int
    account: LoanAccount | None
    reference: str
    amount: Decimal | None
    paid_at: datetime | None
    currency: str = ""


def import_payments(
    rows: Iterable[dict] | Callable[[], Iterable[dict]],
    *,
    by=None,
    trigger: str = "command",
    run=None,
    progress=None,
) -> ImportResult:
    """Record each payment through ``services.record_payment``, so repeats are ignored
    and a payment that clears the balance resolves the case, exactly as in the product."""
    source = rows if callable(rows) else (lambda: rows)
    return _run(
        "import_payments", source, _PaymentChecker, _write_payments, by=by, trigger=trigger, run=run, progress=progress
    )


class _PaymentChecker:
    """Checks payment records chunk by chunk; the chunk's accounts are read in one query."""

    def check(self, records: list[_Record]) -> list[_PaymentRow]:
        numbers = {(record.values.get("loan_number") or "").strip() for record in records}
        numbers = {number for number in numbers if number and "\x00" not in number}  # PostgreSQL refuses NUL
        accounts = {account.loan_number: account for account in LoanAccount.objects.filter(loan_number__in=numbers)}
        return [_check_payment(record, accounts) for record in records]


def _check_payment(record: _Record, accounts: dict[str, LoanAccount]) -> _PaymentRow:
    loan_number = record.text("loan_number", required=True)
    account = accounts.get(loan_number) if loan_number else None
    if loan_number and account is None:
        record.error("loan_number", "unknown_loan", loan_number=loan_number)
    amount = record.money("amount", required=True)
    if amount == 0:
        record.error("amount", "zero_payment")
    currency = record.choice("currency", Currency.values, normalise=str.upper)
    if account is not None and currency and currency != account.currency:
        record.error("currency", "payment_currency", loan_number=loan_number, kept=account.currency, currency=currency)
    return _PaymentRow(
        line=record.line,
        account=account,
        amount=amount,
        paid_at=record.aware_datetime("paid_at"),
        reference=record.text("reference", required=True, max_length=_max_length(Payment, "reference")),
        currency=currency,
    )


def _write_payments(rows: list[_PaymentRow], by):
    # Row by row through the service: each payment moves its account's balance and may
    # close its case, exactly as a payment arriving any other way.
    return _write_each(rows, _write_payment, by)


def _write_payment(row: _PaymentRow, by, source: str = Payment.Source.FEED) -> str:
    # The account is locked first (as record_payment does): a copy of this payment arriving
    # at the same moment waits here, then finds it recorded and says "unchanged".
    LoanAccount.objects.select_for_update().filter(pk=row.account.pk).exists()
    already_recorded = Payment.objects.filter(reference=row.reference).exists()
    # by=None: the lender's system is the payer's witness; who ran the import is on the JobRun.
    services.record_payment(
        row.account, row.amount, row.paid_at, row.reference, by=None, source=source, currency=row.currency or None
    )
    return "unchanged" if already_recorded else "created"


def post_payment(values: dict, *, source: str = Payment.Source.API) -> tuple[str, list[RowError]]:
    """One payment from the lender's system in real time (the integration API): checked and
    recorded exactly as a line of the payments file, in the caller's transaction. Returns
    ("created" | "unchanged", []) or ("", problems)."""
    return _apply_one(values, _PaymentChecker, lambda rows, by: _write_each(rows, _writer(source), by), by=None)


def _writer(source: str):
    return lambda row, by: _write_payment(row, by, source)
