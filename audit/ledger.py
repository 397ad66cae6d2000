"""
The audit ledger: a keyed hash chain over every history row, case event, access-log row
and staff security event, so an edit made behind the application's back (raw SQL, a
database console) is detected, and anchored outside the database, so a rewrite of the
whole chain is detected too.

How a row is sealed — and why no request waits for another:

1. **Queued in its own transaction.** A writer only inserts (table, id) into AuditQueue
   (``ledger_append_many``; the history and event receivers call it). That takes no lock
   anyone else needs: no head row, nothing deferred to COMMIT. A writer that rolls back
   takes its queue rows with it, so a rolled-back position never reaches the ledger.
2. **Sealed after commit, in order.** ``seal_pending`` locks the single head row (only
   sealers touch it; one that finds it locked leaves the work to the one holding it),
   reads the queued rows in queue order, hashes each row *as it stands* in its table,
   appends one entry per row — seq, table, id, content hash, previous link — signed with
   HMAC-SHA256 under the current key (settings.AUDIT_LEDGER_KEYS; never in the database),
   deletes the queue rows it sealed and moves the head, in one short transaction. It runs
   right after every transaction that queued rows (``on_commit``), and every few seconds
   from beat for what is left, and at the end of every batch job. (A page view's
   access-log row is sealed by beat's sealer alone, so reading a page seals nothing.)
3. **Anchored.** Each sealed head (seq, entry hash, key id) is appended to
   AUDIT_ANCHOR_FILE and handed to the AUDIT_ANCHOR_SINKS, outside the database.

What it proves: ``verify_chain`` (audit/verify.py) re-reads every sealed row and every
link. Someone with database access but not the key cannot change a sealed row, remove or
reorder entries, or re-seal an edited row (the links would need the key); someone with
the key too cannot rewrite the chain behind the anchors already sent out. Gaps in the
ledger's seq are deletions (seq is given by the sealer alone, so a rolled-back writer
leaves no gap); gaps in the queue's ids are rolled-back writers and mean nothing. What it
cannot prove: a change made to a row in the seconds between its commit and its sealing
(the unsealed backlog, which the report states in seconds), or a row deleted then, which
is sealed as "deleted before sealing" and reported. Entries sealed before the ledger had
a key (key id blank) are plain SHA-256 links: they are covered by the first anchor.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, date, datetime, time
from decimal import Decimal
from functools import partial, wraps
import hashlib
import hmac
import json
import logging

from django.apps import apps
from django.conf import settings
from django.db import connections, models, router, transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from simple_history.models import HistoricalChanges

from .models import AccessLog, AuditLedger, AuditLedgerHead, AuditQueue

logger = logging.getLogger(__name__)

GENESIS = "0" * 64
# Rows per ledger INSERT: 10 columns x 5,000 < PostgreSQL's 65,535 parameters (Django cuts SQLite's).
APPEND_BATCH = 5000
# Rows one sealing transaction takes: small, so the head row is held for milliseconds.
SEAL_BATCH = 500
# Sealed as the content of a queued row that was gone when its turn came.
DELETED_BEFORE_SEALING = "deleted-before-sealing"
# Attribute of a database connection holding rows queued within sealing_deferred.
DEFERRED = "_audit_ledger_deferred"
# Queued as two arrays, in order (the queue's ids are its order): an instance each cost 2 s at 1M.
_QUEUE_IN_ORDER = (
    'INSERT INTO "audit_queue" (table_name, row_pk, queued_at) SELECT queued.table_name, queued.row_pk, %s '
    "FROM unnest(%s::text[], %s::bigint[]) WITH ORDINALITY AS queued(table_name, row_pk, place) ORDER BY place"
)


class AuditError(Exception):
    """A row cannot be queued (e.g. it has no primary key yet)."""


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


def signing_key(key_id: str) -> bytes:
    try:
        return settings.AUDIT_LEDGER_KEYS[key_id].encode()
    except KeyError:
        raise AuditError(f"No audit ledger key {key_id!r} in settings.AUDIT_LEDGER_KEYS.") from None


def entry_hash(seq: int, table: str, row_pk: int, content: str, previous: str, key_id: str = "") -> str:
    """The link: HMAC-SHA256 under the key ``key_id`` (plain SHA-256 for the unkeyed
    entries sealed before the ledger had a key)."""
    message = f"{seq}|{table}|{row_pk}|{content}|{previous}".encode()
    if not key_id:
        return hashlib.sha256(message).hexdigest()
    return hmac.new(signing_key(key_id), message, hashlib.sha256).hexdigest()


# --- queueing (the writers) -----------------------------------------------------------------


def ledger_append_many(rows, using: str | None = None) -> None:
    """Queue ``rows`` (saved model instances: history rows, case events, access-log rows)
    for sealing, in the order given. Call it in the transaction that wrote them; they are
    sealed after it commits. Inside ``sealing_deferred`` they are queued in one INSERT when
    the block ends."""
    rows = list(rows)
    if not rows or not settings.AUDIT_LEDGER_SEALING:  # switched off to measure its cost only
        return
    using = using or router.db_for_write(type(rows[0]))
    queued = []
    for row in rows:
        if row.pk is None:
            raise AuditError(f"{type(row).__name__} has no primary key yet; queue it after it is saved.")
        queued.append((row._meta.db_table, int(row.pk)))
    _append(queued, using)


def ledger_append_keys(table: str, pks, using: str = "default") -> None:
    """Queue rows by table and primary key, in the order given: for rows written as plain
    SQL (``INSERT … RETURNING``), which have no model instance to pass."""
    if pks and settings.AUDIT_LEDGER_SEALING:
        _append([(table, int(pk)) for pk in pks], using)


def _append(queued, using: str) -> None:
    deferred = getattr(connections[using], DEFERRED, None)
    if deferred is not None:
        deferred.extend(queued)
        return
    _queue(queued, using)


def ledger_append(row, using: str | None = None) -> None:
    ledger_append_many([row], using=using)


def _queue(queued, using: str) -> None:
    now, connection = timezone.now(), connections[using]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_QUEUE_IN_ORDER, [now, [table for table, _ in queued], [pk for _, pk in queued]])
    else:
        entries = [AuditQueue(table_name=table, row_pk=pk, queued_at=now) for table, pk in queued]
        AuditQueue.objects.using(using).bulk_create(entries, batch_size=APPEND_BATCH)
    # After commit a writer seals about its own share; beat's sealer takes what is left.
    # A page view's access-log row is left to that sealer: reading a page does no sealing.
    if any(table != AccessLog._meta.db_table for table, _pk in queued):
        share = -(-len(queued) // SEAL_BATCH)
        transaction.on_commit(lambda: seal_soon(using, max_batches=share), using=using)


@contextmanager
def sealing_deferred(using: str = "default"):
    """Within the block (itself inside a transaction), rows are queued in one INSERT when
    the block ends rather than one by one: for jobs and services that write many.

        with transaction.atomic(), sealing_deferred():
            ...  # bulk updates, bulk_history_create + ledger_append_many, saves
    """
    connection = connections[using]
    if getattr(connection, DEFERRED, None) is not None:  # nested: the outer block queues
        yield
        return
    setattr(connection, DEFERRED, [])
    try:
        yield
        pending = getattr(connection, DEFERRED)
        setattr(connection, DEFERRED, None)
        if pending:
            _queue(pending, using)
    finally:
        setattr(connection, DEFERRED, None)


def audited_atomic(func):
    """``transaction.atomic`` for services that write audited rows: their queue rows are
    written in one INSERT when the outermost such service returns, and sealed after commit."""

    @wraps(func)
    def wrapper(*args, **kwargs):
        with transaction.atomic(), sealing_deferred():
            return func(*args, **kwargs)

    return wrapper


# --- sealing (after commit) --------------------------------------------------------------------


def seal_soon(using: str = "default", max_batches: int = 1) -> None:
    """After a writer's commit: seal one batch now if no other sealer is at it. Never
    fails the request that committed: what is left is sealed by the next sealer."""
    try:
        seal_pending(using=using, max_batches=max_batches)
    except Exception:
        logger.exception("sealing the audit ledger failed; the queue waits for the next sealer")


def _claim_head(using: str) -> AuditLedgerHead | None:
    """The head row, locked for this sealer; None when another sealer holds it."""
    connection = connections[using]
    heads = AuditLedgerHead.objects.using(using)
    if connection.features.has_select_for_update_skip_locked:
        head = heads.select_for_update(skip_locked=True).filter(pk=1).first()
        if head is None and not heads.filter(pk=1).exists():
            head = _recreate_head(using)
        return head
    # SQLite: one writer at a time; writing first takes the database's write lock before
    # the queue is read, so two sealers cannot read the same rows.
    if not heads.filter(pk=1).update(last_seq=models.F("last_seq")):
        return _recreate_head(using)
    return heads.get(pk=1)


def _recreate_head(using: str) -> AuditLedgerHead:
    # Migration 0002 of compliance makes the row; a test that flushed the database removed it.
    last = AuditLedger.objects.using(using).order_by("-seq").first()
    head, _ = AuditLedgerHead.objects.using(using).get_or_create(
        pk=1, defaults={"last_seq": last.seq if last else 0, "last_hash": last.entry_hash if last else GENESIS}
    )
    return AuditLedgerHead.objects.using(using).select_for_update().get(pk=head.pk)


def seal_pending(using: str = "default", *, batch: int = SEAL_BATCH, max_batches: int | None = None) -> int:
    """Seal queued rows in queue order, ``batch`` per short transaction, until the queue
    is empty (or ``max_batches`` are done, or another sealer holds the head). Returns how
    many rows were sealed."""
    sealed = done = 0
    if not settings.AUDIT_LEDGER_SEALING:
        return sealed
    while max_batches is None or done < max_batches:
        with transaction.atomic(using=using):
            head = _claim_head(using)
            if head is None:
                break
            queued = list(AuditQueue.objects.using(using).order_by("id")[:batch])
            if not queued:
                break
            entries = _seal(queued, head, using)
            AuditQueue.objects.using(using).filter(pk__in=[row.pk for row in queued]).delete()
            transaction.on_commit(partial(anchor, _anchor_line(head)), using=using)
        sealed += len(entries)
        done += 1
    return sealed


def _seal(queued, head: AuditLedgerHead, using: str) -> list[AuditLedger]:
    models_by_table = {model._meta.db_table: model for model in chained_models()}
    by_table: dict[str, list[int]] = {}
    for row in queued:
        by_table.setdefault(row.table_name, []).append(row.row_pk)
    found = {}
    for table, pks in by_table.items():
        model = models_by_table.get(table)
        if model is None:
            continue
        fields = list(model._meta.concrete_fields)
        for values in model._default_manager.using(using).filter(pk__in=pks).values(*[f.attname for f in fields]):
            pk = int(values[model._meta.pk.attname])
            pairs = [(f, values[f.attname]) for f in fields]
            found[(table, pk)] = (" ".join(f.attname for f in fields), content_hash(table, pk, pairs))
    key_id = settings.AUDIT_LEDGER_KEY_ID
    seq, previous, entries = head.last_seq, head.last_hash, []
    for row in queued:
        names, content = found.get((row.table_name, row.row_pk), ("", DELETED_BEFORE_SEALING))
        seq += 1
        link = entry_hash(seq, row.table_name, row.row_pk, content, previous, key_id)
        entries.append(
            AuditLedger(
                seq=seq,
                table_name=row.table_name,
                row_pk=row.row_pk,
                fields=names,
                content_hash=content,
                previous_hash=previous,
                entry_hash=link,
                key_id=key_id,
            )
        )
        previous = link
    AuditLedger.objects.using(using).bulk_create(entries, batch_size=APPEND_BATCH)
    head.last_seq, head.last_hash = seq, previous
    head.save(using=using, update_fields=["last_seq", "last_hash"])
    return entries


# --- anchoring ---------------------------------------------------------------------------------


def _anchor_line(head: AuditLedgerHead) -> str:
    at = timezone.now().astimezone(UTC).isoformat(timespec="seconds")
    return f"{at} seq={head.last_seq} hash={head.last_hash} key={settings.AUDIT_LEDGER_KEY_ID}"


def anchor(line: str) -> None:
    """Append a sealed head to the anchor file and hand it to the configured sinks."""
    path = settings.AUDIT_ANCHOR_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as anchors:
        anchors.write(line + "\n")
    for dotted in settings.AUDIT_ANCHOR_SINKS:
        try:
            import_string(dotted)(line)
        except Exception:
            logger.exception("audit anchor sink %s failed", dotted)


def read_anchors(path=None) -> list[tuple[int, str]]:
    """(seq, entry hash) of every anchored head, oldest first."""
    path = path or settings.AUDIT_ANCHOR_FILE
    if not path.exists():
        return []
    anchors = []
    for line in path.read_text(encoding="utf-8").splitlines():
        fields = dict(part.split("=", 1) for part in line.split()[1:] if "=" in part)
        if "seq" in fields and "hash" in fields:
            anchors.append((int(fields["seq"]), fields["hash"]))
    return anchors


# --- starting and restarting the chain -----------------------------------------------------------


def seal_unsealed(
    chained, *, ledger=AuditLedger, head=AuditLedgerHead, using: str = "default", key_id: str = ""
) -> int:
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
            link = entry_hash(seq, table, row.pk, content, previous, key_id)
            # A migration's own (older) ledger model may not have the key column yet.
            signed = {"key_id": key_id} if key_id else {}
            batch.append(
                ledger(
                    seq=seq,
                    table_name=table,
                    row_pk=row.pk,
                    fields=names,
                    content_hash=content,
                    previous_hash=previous,
                    entry_hash=link,
                    **signed,
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
    AuditQueue.objects.using(using).all().delete()
    sealed = seal_unsealed(chained_models(), using=using, key_id=settings.AUDIT_LEDGER_KEY_ID)
    # The old anchors bind the chain just thrown away: keep them aside, start anew.
    path = settings.AUDIT_ANCHOR_FILE
    if path.exists():
        path.rename(path.with_name(f"{path.name}.before-rebuild-{timezone.now():%Y%m%dT%H%M%S}"))
    head = AuditLedgerHead.objects.using(using).get(pk=1)
    line = _anchor_line(head)
    transaction.on_commit(lambda: anchor(line), using=using)
    return sealed


def chained_models() -> list[type[models.Model]]:
    """Every model whose rows the ledger covers: each history table (including many-to-many
    history) and every model that declares ``ledger_sealed = True`` (case events, the
    access log): append-only records, sealed when written."""
    return [m for m in apps.get_models() if issubclass(m, HistoricalChanges)] + appended_models()


def appended_models() -> list[type[models.Model]]:
    return [m for m in apps.get_models() if getattr(m, "ledger_sealed", False)]


def verify_chain(using: str = "default", max_problems: int = 50):
    """See audit/verify.py."""
    from .verify import verify_chain as verify

    return verify(using=using, max_problems=max_problems)
