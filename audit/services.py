"""Writing to the personal-data access log."""

from __future__ import annotations

from django.db import transaction

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
