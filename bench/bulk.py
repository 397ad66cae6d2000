"""
Writing millions of rows into PostgreSQL quickly: COPY in text format.

- ``Table`` turns a model into a COPY statement: the columns the generator fills, then
  every other column at its model default (so a field added later with a default does
  not break the benchmark; one without a default fails loudly, naming it).
- ``Loader`` runs the COPYs on a connection of its own, in a background thread, so
  Python builds the next chunk while PostgreSQL ingests the last one. Everything is one
  transaction: secondary indexes are dropped for the load and rebuilt at the end (a
  sorted build is several times faster than ten million index inserts), foreign-key
  triggers are off for the load when the role may turn them off (the generator writes
  consistent rows by construction), and a failure leaves nothing behind.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
import json
import queue
import threading
import time

from django.core.management.color import no_style
from django.db import connection, models
import psycopg

NULL = r"\N"


class BenchError(Exception):
    """The benchmark cannot (or must not) run here; the message says why."""


def escape(text: str) -> str:
    """COPY text format: backslash, tab and newline are the only specials."""
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def copy_text(value) -> str:
    if value is None:
        return NULL
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, (list, dict)):
        return escape(json.dumps(value, ensure_ascii=False))
    if isinstance(value, (datetime, date, Decimal, int, float)):
        return str(value)
    return escape(str(value))


class Table:
    """COPY rows of ``model``: each row is the tab-joined text of ``columns`` (attnames, in
    this order); the remaining columns get their model default."""

    def __init__(self, model: type[models.Model], columns: list[str]):
        self.model = model
        self.name = model._meta.db_table
        fields = {f.attname: f for f in model._meta.concrete_fields}
        unknown = [c for c in columns if c not in fields]
        if unknown:
            raise BenchError(f"{model.__name__} has no column(s) {unknown}: the benchmark is out of date.")
        defaults = []
        for field in model._meta.concrete_fields:
            if field.attname in columns:
                continue
            if field.has_default():
                defaults.append((field, field.get_default()))
            elif field.null:
                defaults.append((field, None))
            elif field.empty_strings_allowed and not field.primary_key:
                defaults.append((field, ""))  # what the ORM stores for a blank text field
            else:
                raise BenchError(f"{model.__name__}.{field.attname} has no default: bench/book/ must fill it.")
        quote = connection.ops.quote_name
        names = [fields[c].column for c in columns] + [field.column for field, _ in defaults]
        self.sql = f"COPY {quote(self.name)} ({', '.join(quote(n) for n in names)}) FROM STDIN"
        # Joining rows with this suffix appends the default columns and ends each line.
        self.suffix = "".join("\t" + copy_text(value) for _, value in defaults) + "\n"
        self.rows: list[str] = []
        self.written = 0

    def add(self, line: str) -> None:
        self.rows.append(line)

    def take(self) -> str | None:
        """The buffered rows as COPY data, and an empty buffer."""
        if not self.rows:
            return None
        data = self.suffix.join(self.rows) + self.suffix
        self.written += len(self.rows)
        self.rows = []
        return data


def _secondary_indexes(cursor, table: str) -> list[tuple[str, str]]:
    """(name, CREATE INDEX statement) of the indexes that back neither the primary key nor
    a constraint: those can be dropped and rebuilt verbatim."""
    cursor.execute(
        """
        SELECT ic.relname, pg_get_indexdef(ix.indexrelid)
          FROM pg_index ix JOIN pg_class ic ON ic.oid = ix.indexrelid
         WHERE ix.indrelid = %s::regclass AND NOT ix.indisprimary
           AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = ix.indexrelid)
         ORDER BY ic.relname
        """,
        [table],
    )
    return list(cursor.fetchall())


class Loader:
    """COPY ``Table`` data from a background thread in one transaction (see module doc)."""

    _DONE = object()

    def __init__(self, tables: list[Table], *, progress=None):
        self.tables = tables
        self.progress = progress or (lambda message: None)
        self.conn = psycopg.connect(**connection.get_connection_params())
        self.queue: queue.Queue = queue.Queue(maxsize=6)
        self.error: BaseException | None = None
        self.triggers_off = False
        self.indexes: list[tuple[str, str]] = []
        self.index_seconds = 0.0
        self.thread = threading.Thread(target=self._work, name="bench-copy", daemon=True)

    def __enter__(self):
        with self.conn.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            if cursor.fetchone()[0]:
                cursor.execute("SET LOCAL session_replication_role = replica")
                self.triggers_off = True
            for table in {t.name for t in self.tables}:
                for name, definition in _secondary_indexes(cursor, table):
                    cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
                    self.indexes.append((name, definition))
        self.thread.start()
        return self

    def _work(self):
        while True:
            item = self.queue.get()
            if item is self._DONE:
                return
            if self.error is not None:
                continue  # drain, so the producer never blocks on a dead consumer
            sql, data = item
            try:
                with self.conn.cursor() as cursor, cursor.copy(sql) as copy:
                    copy.write(data)
            except BaseException as error:  # re-raised in the producer
                self.error = error

    def flush(self) -> None:
        """Hand every table's buffered rows to the COPY thread."""
        for table in self.tables:
            data = table.take()
            if data is not None:
                self._put((table.sql, data))

    def _put(self, item):
        while True:
            if self.error is not None:
                raise BenchError(f"COPY failed: {self.error}") from self.error
            try:
                self.queue.put(item, timeout=1)
                return
            except queue.Full:
                continue

    def __exit__(self, kind, value, traceback):
        if kind is None:
            self.flush()
        self.queue.put(self._DONE)
        self.thread.join()
        try:
            if kind is None and self.error is None:
                started = time.perf_counter()
                self.progress(f"rebuilding {len(self.indexes)} secondary indexes")
                with self.conn.cursor() as cursor:
                    for name, definition in self.indexes:
                        index_started = time.perf_counter()
                        cursor.execute(definition)
                        if time.perf_counter() - index_started > 5:
                            self.progress(f"index {name}: {time.perf_counter() - index_started:.0f} s")
                self.index_seconds = time.perf_counter() - started
                self.conn.commit()
            else:
                self.conn.rollback()
        finally:
            self.conn.close()
        if kind is None and self.error is not None:
            raise BenchError(f"COPY failed: {self.error}") from self.error
        return False


def reset_sequences(model_list) -> None:
    """Move each table's id sequence past the ids COPY wrote, so ORM inserts work."""
    statements = connection.ops.sequence_reset_sql(no_style(), model_list)
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def next_ids(model_list) -> dict[type, int]:
    """The first free id of each table (the generator assigns ids itself)."""
    ids = {}
    with connection.cursor() as cursor:
        for model in model_list:
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {connection.ops.quote_name(model._meta.db_table)}")
            ids[model] = cursor.fetchone()[0]
    return ids


def vacuum_analyze(model_list) -> None:
    """Hint bits, visibility map and planner statistics, as autovacuum would have left a
    steady-state book (and so it does not run during the measurements)."""
    vacuum_tables([model._meta.db_table for model in model_list])


def vacuum_tables(tables) -> None:
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"VACUUM (ANALYZE) {connection.ops.quote_name(table)}")
