"""
The all-or-nothing frame every import runs in: check every record first; write only a
clean file, in one transaction, each row in a savepoint so every refusal is reported,
any refusal rolling the whole file back; and leave a JobRun for each run, failed ones
included, outside that transaction.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.models import JobRun

from ..exceptions import CaseServiceError
from .records import _validation_message
from .results import ImportResult, RowError

CHANGE_REASON = "loan feed import"


class _WriteRefused(Exception):
    """Raised inside the import transaction so that it rolls back."""

    def __init__(self, errors: list[RowError]):
        super().__init__()
        self.errors = errors


def _run(job: str, rows, check, write, *, by, trigger: str) -> ImportResult:
    started_at = timezone.now()
    checked, errors, count = check(rows)
    result = ImportResult(errors=errors)
    if not errors:
        try:
            with transaction.atomic():
                _write_all(checked, write, result, by)
        except _WriteRefused as refused:
            result = ImportResult(errors=refused.errors)
        except Exception as crash:
            _record_run(
                job,
                ImportResult(),
                by=by,
                trigger=trigger,
                rows=count,
                started_at=started_at,
                error=f"Nothing imported: the import stopped on {crash!r}"[:1000],
            )
            raise
    # Outside the import transaction, so a rolled-back import still leaves its record.
    _record_run(job, result, by=by, trigger=trigger, rows=count, started_at=started_at)
    return result


def _write_all(checked: list, write, result: ImportResult, by) -> None:
    """Write every row, each in a savepoint so one refusal does not hide the next;
    any refusal at all rolls the whole file back."""
    refusals = []
    for row in checked:
        try:
            with transaction.atomic():
                outcome = write(row, by)
        except (CaseServiceError, ValidationError, IntegrityError) as refusal:
            message = _validation_message(refusal) if isinstance(refusal, ValidationError) else str(refusal)
            refusals.append(RowError(row.line, "", message))
            continue
        setattr(result, outcome, getattr(result, outcome) + 1)
    if refusals:
        raise _WriteRefused(refusals)


def _record_run(job: str, result: ImportResult, *, by, trigger: str, rows: int, started_at, error: str = "") -> JobRun:
    counts = {
        "rows": rows,
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "errors": len(result.errors),
    }
    if result.errors:
        error = f"Nothing imported: {len(result.errors)} error(s); first: {result.errors[0]}"[:1000]
    return JobRun.objects.create(
        job=job,
        trigger=trigger,
        started_at=started_at,
        finished_at=timezone.now(),
        counts=counts,
        status=JobRun.Status.FAILED if error else JobRun.Status.SUCCEEDED,
        error=error,
        started_by=by,
    )


def _stamp(instance, by) -> None:
    """Who and why, for the history row the next save() writes."""
    instance._history_user = by
    instance._change_reason = CHANGE_REASON
