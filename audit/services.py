"""Writing to the personal-data access log."""

from __future__ import annotations

from django.db import transaction

from .ledger import ledger_append_many
from .models import AccessLog


def log_pii_access(user, borrower, where: str, request=None, *, case=None) -> AccessLog:
    """Record that ``user`` opened ``borrower``'s personal data at ``where`` (e.g. "case
    page", "dossier", "dossier CSV"). The row is sealed in the audit ledger."""
    ip = request.META.get("REMOTE_ADDR") if request is not None else None
    with transaction.atomic(savepoint=False):  # the row and its ledger entry, together
        return AccessLog.objects.create(
            user=user if user is not None and user.is_authenticated else None,
            borrower_id=borrower.pk,
            case_id=case.pk if case is not None else None,
            where=where[:100],
            ip=ip or None,
        )


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
