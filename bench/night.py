"""
The whole nightly cycle (desk.jobs.NIGHT_STEPS: promises, delinquency and the ladder,
allocation, reminder planning, the KPI snapshot), step by step, against its raw-SQL
floor, all in one transaction that is rolled back.

The floor is the least the database must do for the same night, written by hand as
set-based SQL: the one UPDATE that gives every owing account today's days past due
(``measure.raw_floor``), plus, for every other table, as many row versions written as the
night wrote there (PostgreSQL counts them per table in pg_stat_xact_user_tables), by one
UPDATE of that many of the table's newest rows. It does no Python, no per-case decision,
no record of why; it is a lower bound (an UPDATE that changes no indexed column skips
the indexes), so the ratio is, if anything, flattering to the floor.
"""

from __future__ import annotations

from django.db import connection, transaction
from django.utils import timezone

from desk.jobs import NIGHT_STEPS

from .timing import QueryCounter, Stopwatch

ACCOUNT_TABLE = "cases_loanaccount"


def _row_writes(cursor) -> dict[str, int]:
    """Row versions this transaction has written so far, by table."""
    cursor.execute(
        "SELECT relname, n_tup_ins + n_tup_upd FROM pg_stat_xact_user_tables WHERE n_tup_ins + n_tup_upd > 0"
    )
    return dict(cursor.fetchall())


def _rewrite(cursor, table: str, rows: int) -> None:
    """Write ``rows`` row versions of ``table``, set-based: one UPDATE of its newest rows."""
    cursor.execute(
        "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0] "
        "WHERE i.indrelid = %s::regclass AND i.indisprimary",
        [table],
    )
    key = connection.ops.quote_name(cursor.fetchone()[0])
    name = connection.ops.quote_name(table)
    cursor.execute(
        f"UPDATE {name} SET {key} = {key} WHERE {key} IN (SELECT {key} FROM {name} ORDER BY {key} DESC LIMIT %s)",
        [rows],
    )


def whole_night(dpd_floor_seconds: float, progress) -> dict:
    """Each step of the night timed in the cycle's order, then the floor's row writes in
    the same transaction (so the night's new rows are there to be written again); rolled
    back. ``dpd_floor_seconds`` is the DPD UPDATE measured on its own just before."""
    steps = {}
    with transaction.atomic(), connection.cursor() as cursor:
        now = timezone.now()
        for name, step in NIGHT_STEPS:
            progress(f"nightly: whole night, {name}")
            with QueryCounter(keep=1) as counter, Stopwatch() as watch:
                result = step(now)
            steps[name] = {
                "seconds": round(watch.seconds, 3),
                "queries": counter.count,
                "db_seconds": round(counter.seconds, 3),
                "result": result,
                "slowest_query": counter.slowest(),
            }
        written = _row_writes(cursor)
        progress("nightly: the floor's row writes")
        with Stopwatch() as watch:
            for table, rows in sorted(written.items()):
                if table != ACCOUNT_TABLE:  # the DPD floor's own UPDATE writes the accounts
                    _rewrite(cursor, table, rows)
        transaction.set_rollback(True)
    seconds = round(sum(step["seconds"] for step in steps.values()), 3)
    floor = round(dpd_floor_seconds + watch.seconds, 3)
    return {
        "whole_night": {"seconds": seconds, "steps": steps, "row_writes": written},
        "night_floor": {
            "seconds": floor,
            "dpd_update_seconds": dpd_floor_seconds,
            "row_writes_seconds": round(watch.seconds, 3),
            "rows": sum(rows for table, rows in written.items() if table != ACCOUNT_TABLE),
        },
        "night_ratio_to_floor": round(seconds / floor, 2) if floor else None,
    }
