"""
The loan feed import at size: a file of N account lines, every one valid but the last,
checked by ``import_loans`` in its own process as an operator would run it. The whole
file is read and checked (book queries included), then refused, so nothing is written:
what is measured is the check pass's time and the process's peak memory, which must not
grow with the file (the import streams it).
"""

from __future__ import annotations

import os
from pathlib import Path
import resource
import subprocess
import sys
import tempfile

from django.conf import settings

from cases.imports import ACCOUNT_COLUMNS

from .timing import Stopwatch

LINE = {
    "borrower_name": "Bench Borrower",
    "date_of_birth": "1990-03-07",
    "postal_address": "1 Bench Road",
    "home_time_zone": "Asia/Shanghai",
    "language": "zh-hans",
    "policy_profile_code": "CN",
    "region": "Beijing",
    "product": "Consumer loan",
    "currency": "CNY",
    "principal": "10000.00",
    "outstanding_principal": "8000.00",
    "outstanding_interest": "120.50",
    "outstanding_fees": "30",
    "oldest_unpaid_due_date": "2026-10-01",
}


def _write_file(path: Path, rows: int) -> int:
    with path.open("w", encoding="utf-8") as feed:
        feed.write(",".join(ACCOUNT_COLUMNS) + "\n")
        for n in range(rows):
            cells = {
                **LINE,
                "loan_number": f"FEED-{n:07d}",
                "national_id": f"8{n:017d}",
                "phone": f"139{n % 10**8:08d}",
                "email": f"b{n}@example.com",
            }
            if n == rows - 1:
                cells["principal"] = "not an amount"  # refused: nothing is written
            feed.write(",".join(cells.get(column, "") for column in ACCOUNT_COLUMNS) + "\n")
    return path.stat().st_size


def feed_check(*, rows: int, progress) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "feed.csv"
        progress(f"feed import: writing a {rows:,}-line file")
        size = _write_file(path, rows)
        progress(f"feed import: checking {size / 2**20:.0f} MiB in its own process")
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        with Stopwatch() as watch:
            done = subprocess.run(
                [sys.executable, "manage.py", "import_loans", str(path)],
                cwd=settings.BASE_DIR,
                env=os.environ.copy(),
                capture_output=True,
                text=True,
            )
        peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    # The message is in the site's language; its line number and column name are not.
    refused = done.returncode != 0 and str(rows + 1) in done.stderr and "principal" in done.stderr
    return {
        "rows": rows,
        "file_mib": round(size / 2**20, 1),
        "seconds": round(watch.seconds, 1),
        "rows_per_second": round(rows / watch.seconds) if watch.seconds else None,
        # The largest child so far: this one, unless an earlier child was larger.
        "peak_rss_mib": round(peak_kib / 1024, 1) if peak_kib > before else None,
        "refused_on_its_last_line": refused,
    }
