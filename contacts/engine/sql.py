"""
Plain SQL for the engine's hot reads, spoken by SQLite and PostgreSQL alike.

The same statements through the ORM spent three times as long being compiled as being
answered (check_contact is on every collector's screen, the API's batch judges 1,000 loans
a call, every outbox batch goes through it). Two PostgreSQL specifics, each with the
portable form beside it:

- a list of ids is one array parameter (``col = ANY(%s)``): psycopg's client-side binding
  scans the statement once per placeholder, and a thousand ``%s`` cost more to bind than
  the statement costs to answer;
- the statements of one check go in one round trip (``run_together``): psycopg sends
  ``a; b; c`` as one message and reads the results one set after another;
- an instant is read as whole microseconds since the epoch (``instant``): Django's
  timestamptz loader parses each value in Python (a regular expression, then a time zone
  conversion), about 8,000 times in a batch of 1,000 loans, where an integer is read by
  psycopg's C loader and made a datetime by one addition.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime


def to_db(instant: datetime):
    return connection.ops.adapt_datetimefield_value(instant)


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def instant(column: str) -> str:
    """The select expression reading the timestamp ``column`` for ``from_db``."""
    if connection.vendor == "postgresql":
        # EXTRACT gives an exact numeric (PostgreSQL 14+): no microsecond is lost.
        return f"(EXTRACT(EPOCH FROM {column}) * 1000000)::bigint"
    return column


def from_db(value) -> datetime | None:
    """A datetime read by plain SQL: microseconds since the epoch (``instant``, on
    PostgreSQL); SQLite gives UTC as text or a naive datetime."""
    if type(value) is int:
        return EPOCH + timedelta(microseconds=value)
    # A tzinfo is enough to know it is aware (PostgreSQL's): utcoffset() on every row of a
    # batch's history was a tenth of the batch.
    if value is None or isinstance(value, datetime) and value.tzinfo is not None:
        return value
    if isinstance(value, str):
        value = parse_datetime(value)
    return value.replace(tzinfo=UTC) if timezone.is_naive(value) else value


def one_of(column: str, values) -> tuple[str, list]:
    """``column`` is one of ``values``: the condition and its parameters."""
    values = list(values)
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)", [values]
    return f"{column} IN ({', '.join(['%s'] * len(values))})", values


# JIT compilation off for the engine's statements: a batch's history read is costed above
# jit_above_cost (a subquery per counted row), and compiling it took a third of the
# statement's time (13 of 38 ms for 1,000 loans at 250k cases) for a plan that runs in 25
# ms; none of these reads of a few thousand indexed rows gains from it. SET LOCAL lasts to
# the end of the transaction: the message's own implicit one, or the caller's, where the
# last statement puts the session's setting back.
_JIT_OFF, _JIT_BACK = "SET LOCAL jit = off", "SET LOCAL jit TO DEFAULT"


def run_together(statements: list[tuple[str, list]]) -> list[list[tuple]]:
    """The rows of each (sql, params), in order: one round trip on PostgreSQL."""
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            results = []
            for sql, params in statements:
                cursor.execute(sql, params)
                results.append(cursor.fetchall())
            return results
        sql = "; ".join([_JIT_OFF, *(sql for sql, _params in statements), _JIT_BACK])
        cursor.execute(sql, [p for _sql, ps in statements for p in ps])
        results = []
        while True:
            if cursor.description is not None:  # the SETs return no rows
                results.append(cursor.fetchall())
            if not cursor.nextset():
                return results
