"""
Verifying the audit ledger (audit/ledger.py says what is sealed and why it is sound):
every link and its key, every sealed row as it stands now, the anchors written outside
the database, the unsealed backlog, and rows that no entry or queue row covers.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
import hmac

from django.core.exceptions import FieldDoesNotExist, FieldError
from django.db.models import Exists, OuterRef
from django.utils import timezone

from .ledger import (
    DELETED_BEFORE_SEALING,
    GENESIS,
    AuditError,
    chained_models,
    content_hash,
    entry_hash,
    read_anchors,
)
from .live import check_live_rows
from .models import AuditLedger, AuditLedgerHead, AuditQueue

VERIFY_BATCH = 2000
LAYOUT_CHANGED = object()


@dataclass
class ChainProblem:
    kind: str  # content, missing_row, entry, link, gap, head, unsealed, unknown_table, layout, key, anchor, live
    table: str
    row_pk: int | None
    seq: int | None
    detail: str
    field: str = ""  # the column that disagrees, for a live row

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
    backlog_rows: int = 0  # written and committed, not yet sealed
    backlog_seconds: float = 0.0  # how long the oldest of them has waited
    anchors_checked: int = 0
    last_anchored_seq: int = 0
    live_rows_checked: int = 0  # evidence rows compared with their latest sealed version

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first_problem(self) -> ChainProblem | None:
        return self.problems[0] if self.problems else None

    def summary(self) -> str:
        backlog = f"{self.backlog_rows} row(s) waiting to be sealed (oldest {self.backlog_seconds:.0f} s)"
        anchors = f"{self.anchors_checked} anchor(s) agree up to #{self.last_anchored_seq}"
        live = f"{self.live_rows_checked} live evidence row(s) agree with their sealed history"
        if self.ok:
            return (
                f"Audit chain intact: {self.entries_checked} entries, every row matches; {anchors}; {live}; "
                f"{backlog}. "
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
    expected_seq, previous, last_seq, keyed_seen = 0, GENESIS, 0, False
    hashes_by_seq = {}
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
            try:
                expected = entry_hash(seq, table, pk, entry.content_hash, entry.previous_hash, entry.key_id)
            except AuditError:
                problems.add("key", table, pk, seq, f"signed with key {entry.key_id!r}, which this site does not hold")
                expected = entry.entry_hash
            if not hmac.compare_digest(entry.entry_hash, expected):
                problems.add("entry", table, pk, seq, "the ledger entry was edited or re-sealed without the key")
            if keyed_seen and not entry.key_id:
                problems.add("entry", table, pk, seq, "an unkeyed entry after keyed ones (re-sealed without the key)")
            keyed_seen = keyed_seen or bool(entry.key_id)
            row = current.get((table, pk))
            if entry.content_hash == DELETED_BEFORE_SEALING:
                problems.add("missing_row", table, pk, seq, "the row was deleted before it was sealed")
            elif row is None:
                if table in models_by_table:
                    problems.add("missing_row", table, pk, seq, "the row was deleted")
            elif row is not LAYOUT_CHANGED and content_hash(table, pk, row) != entry.content_hash:
                problems.add("content", table, pk, seq, "the row was changed after it was written")
            previous = entry.entry_hash
            hashes_by_seq[seq] = entry.entry_hash
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
        queued = AuditQueue.objects.using(using).filter(table_name=table, row_pk=OuterRef("pk"))
        unsealed = (
            model._default_manager.using(using)
            .filter(~Exists(sealed), ~Exists(queued))
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
    _check_anchors(report, problems, hashes_by_seq)
    report.live_rows_checked = check_live_rows(problems.add, using)
    oldest = AuditQueue.objects.using(using).order_by("id").first()
    report.backlog_rows = AuditQueue.objects.using(using).count()
    report.backlog_seconds = (timezone.now() - oldest.queued_at).total_seconds() if oldest else 0.0
    # In chain order, so the first problem is the first broken row; unsealed rows last.
    report.problems.sort(key=lambda problem: (problem.seq is None, problem.seq or 0))
    return report


def _check_anchors(report: ChainReport, problems: _Problems, hashes_by_seq: dict[int, str]) -> None:
    """Every head anchored outside the database must still be a link of the chain: a chain
    rewritten from some entry on, even with the key, no longer passes through the anchors."""
    for seq, anchored in read_anchors():
        report.anchors_checked += 1
        report.last_anchored_seq = max(report.last_anchored_seq, seq)
        if seq == 0:
            continue
        found = hashes_by_seq.get(seq)
        if found is None:
            problems.add("anchor", AuditLedger._meta.db_table, None, seq, "an anchored entry is gone from the ledger")
        elif not hmac.compare_digest(found, anchored):
            problems.add("anchor", AuditLedger._meta.db_table, None, seq, "the chain no longer matches its anchor")
