"""
The all-or-nothing frame every import runs in, in two streamed passes over the file:

1. **Check** every record, a chunk at a time (the book is asked once per chunk, not once
   per row), keeping only what the file-wide checks need (the loan numbers seen) and the
   first ``REPORTED_ERRORS`` problems. Memory is bounded by the chunk, not the file.
2. **Write** only a clean file, in one transaction, a chunk at a time, each chunk written
   set-based. Any refusal rolls the whole file back, so nothing is ever half-imported.

What the write transaction holds: row locks on the accounts and borrowers the file names,
nothing else. The audit ledger is not a lock (rows are queued and sealed after commit),
so collectors keep working on every other case while a long file is written; on
PostgreSQL other writers never wait for it. (SQLite, the embedded default, has one writer
at a time by design: there the write pass is what holds it, which is why it is set-based.)

Each run leaves a JobRun, failed ones included, written outside that transaction, with
its first problems in ``details`` for the page that follows a background import.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from itertools import islice

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.models import JobRun

from .. import signals
from ..exceptions import CaseServiceError, PaymentConflict
from .reading import InvalidCsv
from .records import _Record, _records, _validation_message
from .results import REPORTED_ERRORS, ImportResult, RowError

CHANGE_REASON = "loan feed import"
# Records checked and written together: one book query per chunk, a bounded memory.
CHUNK_ROWS = 1000

Progress = Callable[[str, int], None]


class _WriteRefused(Exception):
    """Raised inside the import transaction so that it rolls back."""

    def __init__(self, errors: list[RowError]):
        super().__init__()
        self.errors = errors


def _chunked(records: Iterable[_Record]) -> Iterator[list[_Record]]:
    iterator = iter(records)
    while chunk := list(islice(iterator, CHUNK_ROWS)):
        yield chunk


def _no_progress(phase: str, done: int) -> None:
    pass


def _run(
    job: str,
    rows: Callable[[], Iterable[dict]],
    checker,
    write_chunk,
    *,
    by,
    trigger: str,
    run: JobRun | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """``rows`` gives a fresh pass over the file's records each time it is called;
    ``checker()`` a new file-wide checker whose ``check(records)`` returns the parsed rows
    of a chunk (their problems on the records); ``write_chunk(parsed, by)`` writes them and
    returns ({outcome: count}, [RowError])."""
    started_at = run.started_at if run else timezone.now()
    progress = progress or _no_progress
    result, count = ImportResult(), 0
    try:
        check = checker()
        for chunk in _chunked(_records(rows())):
            check.check(chunk)
            for record in chunk:
                result.add_errors(record.errors)
            count += len(chunk)
            progress("checking", count)
    except InvalidCsv as invalid:
        result.add_errors(invalid.errors)
    if result.ok:
        try:
            with transaction.atomic():
                _write_all(rows, checker, write_chunk, result, by, progress)
        except _WriteRefused as refused:
            result = ImportResult()
            result.add_errors(refused.errors)
        except Exception as crash:
            _record_run(
                job,
                ImportResult(),
                by=by,
                trigger=trigger,
                rows=count,
                started_at=started_at,
                run=run,
                error=f"Nothing imported: the import stopped on {crash!r}"[:1000],
            )
            raise
    # Outside the import transaction, so a rolled-back import still leaves its record.
    _record_run(job, result, by=by, trigger=trigger, rows=count, started_at=started_at, run=run)
    return result


def _apply_one(values: dict, checker, write_chunk, *, by) -> tuple[str, list[RowError]]:
    """One record sent by the integration API, checked and written exactly as a line of a
    file is (the same checker, the same writer, the same messages), in the caller's
    transaction, so the caller's answer and the write commit together. No JobRun: the API
    call log is its record. Returns (outcome, []) or ("", problems) with nothing written."""
    record = _Record(1, {name: "" if value is None else str(value) for name, value in values.items()})
    parsed = checker().check([record])
    if record.errors:
        return "", record.errors
    try:
        with transaction.atomic():
            outcomes, refused = write_chunk(parsed, by)
            if refused:
                raise _WriteRefused(refused)
    except _WriteRefused as refusal:
        return "", refusal.errors
    return next(outcome for outcome, count in outcomes.items() if count), []


def _write_all(rows, checker, write_chunk, result: ImportResult, by, progress: Progress) -> None:
    """Write every chunk; a record the book now refuses (changed since the check) or a
    write the database refuses is reported, and any refusal rolls the whole file back."""
    check, refusals, written = checker(), [], 0
    for chunk in _chunked(_records(rows())):
        parsed = check.check(chunk)
        changed = [error for record in chunk for error in record.errors]
        if changed:
            refusals += changed
            continue
        outcomes, refused = write_chunk(parsed, by)
        refusals += refused
        for outcome, number in outcomes.items():
            setattr(result, outcome, getattr(result, outcome) + number)
        written += len(chunk)
        progress("writing", written)
    if refusals:
        raise _WriteRefused(refusals)


def _write_each(rows: list, write_one, by) -> tuple[dict[str, int], list[RowError]]:
    """Write rows one by one, each in a savepoint so one refusal does not hide the next
    (for writes that must go through a service row by row, such as payments)."""
    outcomes, refusals = {}, []
    for row in rows:
        try:
            with transaction.atomic():
                outcome = write_one(row, by)
        except (CaseServiceError, ValidationError, IntegrityError) as refusal:
            message = _validation_message(refusal) if isinstance(refusal, ValidationError) else str(refusal)
            # A conflict (a reference already used otherwise) is told apart: the API answers it 409.
            code = "conflict" if isinstance(refusal, PaymentConflict) else "detail"
            refusals.append(RowError(row.line, "", code, {"detail": message}))
            continue
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes, refusals


def _record_run(
    job: str,
    result: ImportResult,
    *,
    by,
    trigger: str,
    rows: int,
    started_at,
    run: JobRun | None = None,
    error: str = "",
) -> JobRun:
    counts = {
        "rows": rows,
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "errors": result.error_count,
    }
    if result.error_count:
        error = f"Nothing imported: {result.error_count} error(s); first: {result.errors[0]}"[:1000]
    error = _storable(error)
    run = run or JobRun(job=job, trigger=trigger, started_at=started_at, started_by=by)
    run.finished_at = timezone.now()
    run.counts = counts
    run.status = JobRun.Status.FAILED if error else JobRun.Status.SUCCEEDED
    run.error = error
    run.details = {
        **run.details,
        "errors": [_storable_error(e) for e in result.errors[:REPORTED_ERRORS]],
    }
    run.save()
    signals.import_finished.send(sender=JobRun, run=run)
    return run


def _storable_error(error: RowError) -> list:
    params = {name: _storable(value) if isinstance(value, str) else value for name, value in error.params.items()}
    return [error.row_number, _storable(error.field), error.code, params]


def _storable(text: str) -> str:
    """PostgreSQL stores no NUL character, even in JSON: a file's junk is shown escaped."""
    return text.replace("\x00", "\\x00")


def _stamp(instance, by) -> None:
    """Who and why, for the history row the next save() writes."""
    instance._history_user = by
    instance._change_reason = CHANGE_REASON
