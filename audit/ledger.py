"""
The audit ledger: a hash chain over every history row, case event and access-log row,
so an edit made behind the application's back (raw SQL, a database console) is detected.

Each row, when written, gets one ledger entry holding the SHA-256 of the row's canonical
content and an entry hash that covers the previous entry's hash. ``verify_chain`` walks
the ledger in order, re-reads every row and names the first one that no longer matches.

Appends are serialised on the single ``AuditLedgerHead`` row, locked in the same
transaction that writes the row, so the chain never forks: a transaction that rolls back
takes its ledger entries with it. The head stays locked until that transaction ends, so
the lock order is rows first, ledger last: a service that locks a row (a case, say) after
it has written a history row can deadlock, on PostgreSQL, with one that holds that row and
is about to write history. Lock what you will change before the first save.

Rows written by ``bulk_history_create`` and ``bulk_create`` send no signal: the code that
writes them passes them to ``ledger_append_many`` (see cases/jobs.py). A long job wraps
its transaction in ``sealing_deferred`` so that it takes the ledger head last.
"""

from __future__ import annotations

from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal
from functools import wraps
import hashlib
import json

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist, FieldError
from django.db import connections, models, router, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from simple_history.models import HistoricalChanges

from .models import AuditLedger, AuditLedgerHead

GENESIS = "0" * 64
# Rows per ledger INSERT: 9 columns x 5,000 stays below PostgreSQL's 65,535 parameters
# (Django cuts SQLite's batches smaller by itself).
APPEND_BATCH = 5000
VERIFY_BATCH = 2000
LAYOUT_CHANGED = object()
# Attribute of a database connection holding rows waiting for the end of sealing_deferred.
DEFERRED = "_audit_ledger_deferred"


class AuditError(Exception):
    """A row cannot be sealed (e.g. it has no primary key yet)."""


# --- canonical content ------------------------------------------------------------------


def canonical_value(model_field: models.Field, value) -> str | None:
    """The value as the database will give it back, as a string.

    An in-memory value and the same value re-read from the database must give the same
    string on SQLite and PostgreSQL alike: times in UTC, decimals at the column's scale,
    JSON with sorted keys, files by name.
    """
    if value is None:
        return None
    if isinstance(model_field, models.FileField):
        return getattr(value, "name", value) or ""
    if isinstance(model_field, models.JSONField):
        plain = json.loads(json.dumps(value, cls=model_field.encoder))
        return json.dumps(plain, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    value = model_field.to_python(value)
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        if timezone.is_naive(value):
            value = timezone.make_aware(value)
        return value.astimezone(UTC).isoformat()
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        places = getattr(model_field, "decimal_places", None)
        if places is not None:
            value = value.quantize(Decimal(1).scaleb(-places))
        return format(value, "f")
    return str(value)


def content_hash(table: str, pk, pairs) -> str:
    """SHA-256 of the row's identity and its (field, value) pairs, keys sorted."""
    document = {
        "table": table,
        "pk": str(pk),
        "fields": {model_field.attname: canonical_value(model_field, value) for model_field, value in pairs},
    }
    text = json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def entry_hash(seq: int, table: str, row_pk: int, content: str, previous: str) -> str:
    return hashlib.sha256(f"{seq}|{table}|{row_pk}|{content}|{previous}".encode()).hexdigest()


def _describe(row) -> tuple[str, int, list[str], str]:
    if row.pk is None:
        raise AuditError(f"{type(row).__name__} has no primary key yet; seal it after it is saved.")
    fields = list(row._meta.concrete_fields)
    table = row._meta.db_table
    digest = content_hash(table, row.pk, [(f, getattr(row, f.attname)) for f in fields])
    return table, int(row.pk), [f.attname for f in fields], digest


# --- appending ------------------------------------------------------------------------------


def _locked_head(using: str) -> AuditLedgerHead:
    head = AuditLedgerHead.objects.using(using).select_for_update().filter(pk=1).first()
    if head is None:
        # Migration 0002 makes the row; a test that flushed the database removed it.
        last = AuditLedger.objects.using(using).order_by("-seq").first()
        AuditLedgerHead.objects.using(using).get_or_create(
            pk=1, defaults={"last_seq": last.seq if last else 0, "last_hash": last.entry_hash if last else GENESIS}
        )
        head = AuditLedgerHead.objects.using(using).select_for_update().get(pk=1)
    return head


def ledger_append_many(rows, using: str | None = None) -> list[AuditLedger]:
    """Seal ``rows`` (saved model instances: history rows, case events, access-log rows)
    in the order given. Call it in the transaction that wrote them. Inside
    ``sealing_deferred`` the rows are hashed now and appended when that block ends."""
    rows = list(rows)
    if not rows:
        return []
    described = [_describe(row) for row in rows]  # hashed before the lock: hold it briefly
    using = using or router.db_for_write(type(rows[0]))
    deferred = getattr(connections[using], DEFERRED, None)
    if deferred is not None:
        deferred.extend(described)
        return []
    return _append(described, using)


def _append(described, using: str) -> list[AuditLedger]:
    # No savepoint of its own: a failure to seal fails the writer's transaction too, rather
    # than letting it commit rows the ledger does not cover.
    with transaction.atomic(using=using, savepoint=False):
        head = _locked_head(using)
        seq, previous = head.last_seq, head.last_hash
        entries = []
        for table, pk, fields, content in described:
            seq += 1
            link = entry_hash(seq, table, pk, content, previous)
            entries.append(
                AuditLedger(
                    seq=seq,
                    table_name=table,
                    row_pk=pk,
                    fields=" ".join(fields),
                    content_hash=content,
                    previous_hash=previous,
                    entry_hash=link,
                )
            )
            previous = link
        AuditLedger.objects.using(using).bulk_create(entries, batch_size=APPEND_BATCH)
        head.last_seq, head.last_hash = seq, previous
        head.save(using=using, update_fields=["last_seq", "last_hash"])
    return entries


@contextmanager
def sealing_deferred(using: str = "default"):
    """Within the block (itself inside a transaction), rows are hashed as they are written
    and appended to the ledger in one go when the block ends: a long job then takes the
    ledger head last, after all its row locks, and holds it only briefly.

        with transaction.atomic(), sealing_deferred():
            ...  # bulk updates, bulk_history_create + ledger_append_many, saves
    """
    # If the block raises, nothing is appended: let the transaction roll back.
    connection = connections[using]
    if getattr(connection, DEFERRED, None) is not None:  # nested: the outer block appends
        yield
        return
    setattr(connection, DEFERRED, [])
    try:
        yield
        pending = getattr(connection, DEFERRED)
        setattr(connection, DEFERRED, None)
        if pending:
            _append(pending, using)
    finally:
        setattr(connection, DEFERRED, None)


def ledger_append(row, using: str | None = None) -> AuditLedger | None:
    entries = ledger_append_many([row], using=using)
    return entries[0] if entries else None  # None: deferred to the end of sealing_deferred


def seal_unsealed(chained, *, ledger=AuditLedger, head=AuditLedgerHead, using: str = "default") -> int:
    """Append an entry for every row of ``chained`` models no entry covers yet, table by
    table in primary-key order. Used to start the chain (migration 0002, with the
    migration's models) and by ``rebuild_ledger``."""
    current, _ = head.objects.using(using).get_or_create(pk=1, defaults={"last_seq": 0, "last_hash": GENESIS})
    seq, previous, added = current.last_seq, current.last_hash, 0
    for model in sorted(chained, key=lambda m: m._meta.db_table):
        table = model._meta.db_table
        fields = list(model._meta.concrete_fields)
        names = " ".join(f.attname for f in fields)
        sealed = set(ledger.objects.using(using).filter(table_name=table).values_list("row_pk", flat=True))
        batch = []
        for row in model._default_manager.using(using).order_by("pk").iterator(chunk_size=APPEND_BATCH):
            if row.pk in sealed:
                continue
            seq += 1
            content = content_hash(table, row.pk, [(f, getattr(row, f.attname)) for f in fields])
            link = entry_hash(seq, table, row.pk, content, previous)
            batch.append(
                ledger(
                    seq=seq,
                    table_name=table,
                    row_pk=row.pk,
                    fields=names,
                    content_hash=content,
                    previous_hash=previous,
                    entry_hash=link,
                )
            )
            previous = link
            if len(batch) >= APPEND_BATCH:
                ledger.objects.using(using).bulk_create(batch)
                added += len(batch)
                batch = []
        ledger.objects.using(using).bulk_create(batch)
        added += len(batch)
    current.last_seq, current.last_hash = seq, previous
    current.save(using=using)
    return added


@transaction.atomic
def rebuild_ledger(using: str = "default") -> int:
    """Throw the chain away and seal every row as it stands now.

    For a demo database just seeded (seed_demo back-dates events so timelines read well):
    on a real book this erases exactly the evidence the chain exists to keep.
    """
    AuditLedger.objects.using(using).all().delete()
    AuditLedgerHead.objects.using(using).all().delete()
    return seal_unsealed(chained_models(), using=using)


def chained_models() -> list[type[models.Model]]:
    """Every model whose rows the ledger covers: each history table (including many-to-many
    history) and every model that declares ``ledger_sealed = True`` (case events, the
    access log): append-only records, sealed when written."""
    return [m for m in apps.get_models() if issubclass(m, HistoricalChanges)] + appended_models()


def appended_models() -> list[type[models.Model]]:
    return [m for m in apps.get_models() if getattr(m, "ledger_sealed", False)]


# --- verifying ------------------------------------------------------------------------------


@dataclass
class ChainProblem:
    kind: str  # content, missing_row, entry, link, gap, head, unsealed, unknown_table, layout
    table: str
    row_pk: int | None
    seq: int | None
    detail: str

    def __str__(self):
        where = f"{self.table} row {self.row_pk}" if self.row_pk is not None else self.table
        return f"{where} (ledger #{self.seq if self.seq is not None else '—'}): {self.detail}"


@dataclass
class ChainReport:
    entries_checked: int = 0
    head_seq: int = 0
    head_hash: str = GENESIS
    problems: list[ChainProblem] = field(default_factory=list)
    truncated: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first_problem(self) -> ChainProblem | None:
        return self.problems[0] if self.problems else None

    def summary(self) -> str:
        if self.ok:
            return (
                f"Audit chain intact: {self.entries_checked} entries, every row matches. "
                f"Head #{self.head_seq} {self.head_hash}."
            )
        more = " (and more)" if self.truncated else ""
        return (
            f"Audit chain BROKEN: {len(self.problems)} problem(s){more}; first: {self.first_problem}. "
            f"{self.entries_checked} entries checked."
        )


class _Problems:
    def __init__(self, report: ChainReport, limit: int):
        self.report, self.limit = report, limit

    def add(self, *args) -> None:
        if len(self.report.problems) < self.limit:
            self.report.problems.append(ChainProblem(*args))
        else:
            self.report.truncated = True


def _current_rows(batch, models_by_table, using, problems):
    """{(table, pk): [(field, value)]} for the batch's rows as they are now, one query per
    table and column set; LAYOUT_CHANGED where a hashed column no longer exists."""
    groups = defaultdict(list)
    for entry in batch:
        groups[(entry.table_name, entry.fields)].append(entry)
    current = {}
    for (table, fields), entries in groups.items():
        model = models_by_table.get(table)
        if model is None:
            for entry in entries:
                problems.add(
                    "unknown_table",
                    table,
                    entry.row_pk,
                    entry.seq,
                    "no model stores this table any more; its rows cannot be checked",
                )
            continue
        attnames = fields.split()
        try:
            model_fields = [model._meta.get_field(name) for name in attnames]
            found = list(
                model._default_manager.using(using).filter(pk__in=[e.row_pk for e in entries]).values(*attnames)
            )
        except (FieldDoesNotExist, FieldError) as error:
            for entry in entries:
                problems.add("layout", table, entry.row_pk, entry.seq, f"a hashed column is gone: {error}")
                current[(table, entry.row_pk)] = LAYOUT_CHANGED
            continue
        pk_name = model._meta.pk.attname
        for values in found:
            current[(table, int(values[pk_name]))] = [(f, values[f.attname]) for f in model_fields]
    return current


def verify_chain(using: str = "default", max_problems: int = 50) -> ChainReport:
    """Walk the ledger in order and check every link and every row; then look for rows
    no entry covers (inserted behind the application's back, or never sealed)."""
    report = ChainReport()
    problems = _Problems(report, max_problems)
    models_by_table = {m._meta.db_table: m for m in chained_models()}
    expected_seq, previous, last_seq = 0, GENESIS, 0
    entries = AuditLedger.objects.using(using).order_by("seq")
    while True:
        batch = list(entries.filter(seq__gt=last_seq)[:VERIFY_BATCH])
        if not batch:
            break
        current = _current_rows(batch, models_by_table, using, problems)
        for entry in batch:
            table, pk, seq = entry.table_name, entry.row_pk, entry.seq
            expected_seq += 1
            if seq != expected_seq:
                problems.add("gap", table, pk, seq, f"ledger entries #{expected_seq}–#{seq - 1} were removed")
                expected_seq = seq
            if entry.previous_hash != previous:
                problems.add("link", table, pk, seq, "does not follow from the previous entry (ledger edited)")
            if entry.entry_hash != entry_hash(seq, table, pk, entry.content_hash, entry.previous_hash):
                problems.add("entry", table, pk, seq, "the ledger entry itself was edited")
            row = current.get((table, pk))
            if row is None:
                if table in models_by_table:
                    problems.add("missing_row", table, pk, seq, "the row was deleted")
            elif row is not LAYOUT_CHANGED and content_hash(table, pk, row) != entry.content_hash:
                problems.add("content", table, pk, seq, "the row was changed after it was written")
            previous = entry.entry_hash
            report.entries_checked += 1
        last_seq = batch[-1].seq

    head = AuditLedgerHead.objects.using(using).filter(pk=1).first()
    report.head_seq, report.head_hash = last_seq, previous
    if head is not None and (head.last_seq, head.last_hash) != (last_seq, previous):
        problems.add(
            "head",
            AuditLedger._meta.db_table,
            None,
            head.last_seq,
            f"the head names #{head.last_seq} but the chain ends at #{last_seq}: entries were "
            "removed from its end, or the head was edited",
        )
    elif head is None and last_seq:
        problems.add("head", AuditLedgerHead._meta.db_table, None, None, "the chain head row was removed")

    for table, model in sorted(models_by_table.items()):
        sealed = AuditLedger.objects.using(using).filter(table_name=table, row_pk=OuterRef("pk"))
        unsealed = (
            model._default_manager.using(using)
            .filter(~Exists(sealed))
            .order_by("pk")
            .values_list("pk", flat=True)[:max_problems]
        )
        for pk in unsealed:
            problems.add(
                "unsealed",
                table,
                pk,
                None,
                "no ledger entry covers this row (inserted outside the "
                "application, or written in bulk and never sealed)",
            )
    # In chain order, so the first problem is the first broken row; unsealed rows last.
    report.problems.sort(key=lambda problem: (problem.seq is None, problem.seq or 0))
    return report


def audited_atomic(func):
    """``transaction.atomic`` for services that write audited rows: the rows are sealed in
    one append when the outermost such service returns, so every transaction takes its row
    locks first and the ledger head last (no lock-order deadlocks), and holds it briefly."""

    @wraps(func)
    def wrapper(*args, **kwargs):
        with transaction.atomic(), sealing_deferred():
            return func(*args, **kwargs)

    return wrapper
