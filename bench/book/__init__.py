"""
The synthetic book: N borrowers, their contact points and loans, one collection case
each over every state, about ten contact attempts per case over the last 90 days,
payments, promises, plans, holds and opt-outs — written with COPY (``bench.bulk``),
streamed in chunks so memory does not grow with N.

It is the book as the nightly cycle finds it: every stored days-past-due is yesterday's
(so refresh_delinquency has the whole book to move by one day), a few cases cross a
rung threshold tonight, a few accounts fell overdue today and have no case yet, a few
were paid off by the feed today and still have an open case, and a few breathing-space
holds ran out today. No history rows (simple-history) and no audit-ledger entries are
written for it: a bulk load is not a change anyone made.

One module per concern, the names below importable from ``bench.book``:

- ``shape``: what the book looks like (state, profile, channel and outcome shares);
- ``tables``: the tables and columns it fills, and the COPY text for its values;
- ``writer``: ``BookWriter``, which generates it case by case;
- ``load``: ``generate``, which loads it through COPY and times it.
"""

from .load import CHUNK, generate
from .shape import (
    BLOCK_RATE,
    CALL_OUTCOMES,
    CHANNEL_MIX,
    EXPLANATIONS,
    HOLD_KINDS,
    POINT_KIND,
    PROFILE_SPREAD,
    REACHED,
    REFUSALS,
    RUNG_FROM_DPD,
    RUNG_START_DPD,
    STATE_SPREAD,
)
from .tables import BOOK_MODELS, DAY, TABLE_COLUMNS, Clock
from .writer import LOAN_PREFIX, BookWriter

__all__ = [
    "CHUNK",
    "generate",
    "BLOCK_RATE",
    "CALL_OUTCOMES",
    "CHANNEL_MIX",
    "EXPLANATIONS",
    "HOLD_KINDS",
    "POINT_KIND",
    "PROFILE_SPREAD",
    "REACHED",
    "REFUSALS",
    "RUNG_FROM_DPD",
    "RUNG_START_DPD",
    "STATE_SPREAD",
    "BOOK_MODELS",
    "DAY",
    "TABLE_COLUMNS",
    "Clock",
    "LOAN_PREFIX",
    "BookWriter",
]
