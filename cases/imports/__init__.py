"""
The loan feed import: accounts (with their borrowers and contact points) and payments,
from the lender's CSV files.

All or nothing. Every row is checked first and every problem is reported by line and
column; only a clean file is written, in one transaction. A refusal from a service
while writing (a payment reference already used for another amount, say) rolls the
whole file back too, so nothing is ever half-imported. Each run leaves a JobRun,
failed ones included, so operations can see what was tried and by whom.

Line numbers are spreadsheet row numbers: the header is line 1, the first record
line 2. Completely blank records are skipped but still counted.

One module per step, the names below importable from ``cases.imports``:

- ``feed``: ``import_csv``, an uploaded file read and imported as accounts or payments;
- ``reading``: the file as CSV records, its header checked (``read_csv``, ``InvalidCsv``);
- ``records``: one record's cells checked, each problem a ``RowError``;
- ``accounts`` and ``payments``: each kind's columns, checks and writes;
- ``run``: the all-or-nothing frame and the JobRun each run leaves;
- ``results``: ``RowError`` and ``ImportResult``, what an import reports.
"""

from .accounts import ACCOUNT_COLUMNS, ACCOUNT_REQUIRED, import_accounts, upsert_account
from .feed import import_csv
from .payments import PAYMENT_COLUMNS, PAYMENT_REQUIRED, import_payments, post_payment
from .reading import EXTRA_CELLS, CsvFile, InvalidCsv, read_csv
from .records import ISO_DATE, LARGEST_AMOUNT
from .results import ImportResult, RowError
from .run import CHANGE_REASON

__all__ = [
    "ACCOUNT_COLUMNS",
    "ACCOUNT_REQUIRED",
    "import_accounts",
    "import_csv",
    "PAYMENT_COLUMNS",
    "PAYMENT_REQUIRED",
    "import_payments",
    "post_payment",
    "upsert_account",
    "EXTRA_CELLS",
    "CsvFile",
    "InvalidCsv",
    "read_csv",
    "ISO_DATE",
    "LARGEST_AMOUNT",
    "ImportResult",
    "RowError",
    "CHANGE_REASON",
]
