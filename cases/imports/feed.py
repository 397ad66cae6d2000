"""
The entry point for a file of the loan feed (the ``import_loans`` command, the background
import the staff page starts): stream it as CSV and import it as accounts or payments.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from core.jobs import label_job

from .accounts import ACCOUNT_COLUMNS, ACCOUNT_REQUIRED, import_accounts
from .payments import PAYMENT_COLUMNS, PAYMENT_REQUIRED, import_payments
from .reading import CsvFile
from .results import ImportResult

label_job("import_accounts", gettext_lazy("Import accounts"))
label_job("import_payments", gettext_lazy("Import payments"))

KINDS = {
    "accounts": ("import_accounts", ACCOUNT_COLUMNS, ACCOUNT_REQUIRED, import_accounts),
    "payments": ("import_payments", PAYMENT_COLUMNS, PAYMENT_REQUIRED, import_payments),
}


def import_csv(file, kind: str, *, by=None, trigger: str = "command", run=None, progress=None) -> ImportResult:
    """Import ``file`` (seekable, text or binary) as ``kind`` ("accounts" or "payments"),
    reading it twice — checked, then written — and never whole into memory. A file that
    cannot be read is a failed run like any other."""
    _job, columns, required, importer = KINDS[kind]
    csv_file = CsvFile(file, columns=columns, required=required)
    return importer(csv_file.records, by=by, trigger=trigger, run=run, progress=progress)
