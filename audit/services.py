"""Writing to the personal-data access log."""

from __future__ import annotations

from django.db import connections, router, transaction
from django.utils import timezone

from .ledger import DEFERRED, ledger_append_many
from .models import AccessLog, AuditQueue


def log_pii_access(user, borrower, where: str, request=None, *, case=None) -> AccessLog:
    """Record that ``user`` opened ``borrower``'s personal data at ``where`` (e.g. "case
    page", "dossier", "dossier CSV"). The row is queued for sealing in the audit ledger
    (the sealer seals it after the request, never the request itself)."""
    ip = request.META.get("REMOTE_ADDR") if request is not None else None
    row = AccessLog(
        user=user if user is not None and user.is_authenticated else None,
        borrower_id=borrower.pk,
        case_id=case.pk if case is not None else None,
        where=where[:100],
        ip=ip or None,
    )
    using = router.db_for_write(AccessLog)
    connection = connections[using]
    if connection.vendor == "postgresql" and getattr(connection, DEFERRED, None) is None:
        _insert_queued(row, connection)
        return row
    with transaction.atomic(using=using, savepoint=False):  # the row and its ledger entry, together
        row.save(using=using, force_insert=True)  # post_save queues it (audit/signals.py)
    return row


def _insert_queued(row: AccessLog, connection) -> None:
    """The row and its place in the sealing queue in one statement (a data-modifying CTE:
    one round trip, atomic on its own), where an ordinary save costs four (begin, two
    inserts, commit) on every page that shows personal data. What the save's signal
    would queue is exactly this queue row; a page view's row is left to the sealer."""
    ops = connection.ops
    log, queue = AccessLog._meta.db_table, AuditQueue._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f'WITH log AS (INSERT INTO {log} (user_id, borrower_id, case_id, "where", at, ip) '
            f"VALUES (%s, %s, %s, %s, %s, %s) RETURNING id) "
            f"INSERT INTO {queue} (table_name, row_pk, queued_at) SELECT %s, id, %s FROM log RETURNING row_pk",
            [
                row.user_id,
                row.borrower_id,
                row.case_id,
                row.where,
                ops.adapt_datetimefield_value(row.at),
                ops.adapt_ipaddressfield_value(row.ip),
                log,
                ops.adapt_datetimefield_value(timezone.now()),
            ],
        )
        row.pk = cursor.fetchone()[0]
    row._state.adding = False
    row._state.db = connection.alias


def log_pii_access_many(user, seen, where: str, request=None) -> int:
    """Record at once that ``user`` saw many borrowers' personal data at ``where`` (an
    export): ``seen`` is (borrower id, case id or None) pairs, one row each, inserted in
    one statement and queued for sealing in the ledger like a single row. Returns how
    many rows were written."""
    ip = (request.META.get("REMOTE_ADDR") if request is not None else None) or None
    who = user if user is not None and user.is_authenticated else None
    rows = [
        AccessLog(user=who, borrower_id=borrower_id, case_id=case_id, where=where[:100], ip=ip)
        for borrower_id, case_id in seen
    ]
    with transaction.atomic(savepoint=False):
        written = AccessLog.objects.bulk_create(rows)
        ledger_append_many(written)
    return len(written)
