"""
The entry point for a file of the loan feed (the ``import_loans`` command, the background
import the staff page starts): stream it as CSV and import it as accounts or payments.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.job_names import explain_failures
from core.jobs import label_job

from .accounts import ACCOUNT_COLUMNS, ACCOUNT_REQUIRED, import_accounts
from .messages import stored_error_text
from .payments import PAYMENT_COLUMNS, PAYMENT_REQUIRED, import_payments
from .reading import CsvFile
from .results import ImportResult

label_job("import_accounts", gettext_lazy("Import accounts"))
label_job("import_payments", gettext_lazy("Import payments"))


def failure_text(run) -> str | None:
    """ "Nothing imported: 3 problems; the first: line 2, column principal: …" in the
    reader's language, from the run's stored problems."""
    stored = run.details.get("errors") or []
    if not stored:
        return None
    line, column, message = stored_error_text(stored[0])
    if column:
        where = _("line %(line)s, column %(column)s") % {"line": line, "column": column}
    else:
        where = _("line %(line)s") % {"line": line}
    return _("Nothing imported: %(count)s problem(s); the first, %(where)s: %(message)s") % {
        "count": run.counts.get("errors", len(stored)),
        "where": where,
        "message": message,
    }


explain_failures("import_accounts", failure_text)
explain_failures("import_payments", failure_text)

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
