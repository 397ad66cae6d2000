"""
Loading the synthetic book and timing it: ``generate`` has a ``BookWriter`` produce the
book case by case, flushes it to PostgreSQL through the COPY loader (``bench.bulk``) in
chunks, then resets the sequences and vacuums, and reports the row counts and timings.
"""

from __future__ import annotations

import time

from django.db import connection

from contacts.models import ContactAttempt

from ..bulk import BenchError, Loader, reset_sequences, vacuum_analyze
from .tables import BOOK_MODELS
from .writer import BookWriter

CHUNK = 5000


def generate(cases: int, *, seed: int, staff, templates, progress) -> dict:
    """Write a book of ``cases`` cases; returns its row counts per table and timings."""
    if connection.in_atomic_block:
        # The loader's own connection drops indexes: a read lock held here would deadlock it.
        raise BenchError("Generate the book outside a transaction.")
    started = time.perf_counter()
    writer = BookWriter(seed=seed, staff=staff, templates=templates)
    with Loader(list(writer.tables.values()), progress=progress) as loader:
        for number in range(1, cases + 1):
            writer.case(number)
            if number % CHUNK == 0 or number == cases:
                loader.flush()
                elapsed = time.perf_counter() - started
                progress(
                    f"generated {number:,}/{cases:,} cases ({number / elapsed:,.0f}/s), "
                    f"{writer.counts[ContactAttempt._meta.db_table]:,} contact attempts"
                )
    loaded = time.perf_counter() - started
    progress(f"COPY done in {loaded:.0f} s (indexes rebuilt in {loader.index_seconds:.0f} s); resetting sequences")
    reset_sequences(BOOK_MODELS)
    progress("VACUUM ANALYZE")
    vacuum_started = time.perf_counter()
    vacuum_analyze(BOOK_MODELS)
    timings = {
        "copy_seconds": round(loaded - loader.index_seconds, 1),
        "index_seconds": round(loader.index_seconds, 1),
        "vacuum_seconds": round(time.perf_counter() - vacuum_started, 1),
        "seconds": round(time.perf_counter() - started, 1),
        "fk_triggers_off": loader.triggers_off,
    }
    return {**writer.counts, **timings}
