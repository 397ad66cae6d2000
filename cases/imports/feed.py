"""
The entry point for an uploaded file of the loan feed (the ``import_loans`` command and
the staff import page): read it as CSV and import it as accounts or payments.
"""

from __future__ import annotations

from django.utils import timezone

from .accounts import ACCOUNT_COLUMNS, ACCOUNT_REQUIRED, import_accounts
from .payments import PAYMENT_COLUMNS, PAYMENT_REQUIRED, import_payments
from .reading import InvalidCsv, read_csv
from .results import ImportResult
from .run import _record_run


def import_csv(file, kind: str, *, by=None, trigger: str = "command") -> ImportResult:
    """Read ``file`` and import it as ``kind`` ("accounts" or "payments"); a file that
    cannot be read is a failed run like any other."""
    job, columns, required, importer = {
        "accounts": ("import_accounts", ACCOUNT_COLUMNS, ACCOUNT_REQUIRED, import_accounts),
        "payments": ("import_payments", PAYMENT_COLUMNS, PAYMENT_REQUIRED, import_payments),
    }[kind]
    try:
        rows = read_csv(file, columns=columns, required=required)
    except InvalidCsv as invalid:
        result = ImportResult(errors=invalid.errors)
        _record_run(job, result, by=by, trigger=trigger, rows=0, started_at=timezone.now())
        return result
    return importer(rows, by=by, trigger=trigger)
