"""
The import a person starts from the staff page runs on a worker, not in their request:
the upload is kept in IMPORT_DIR, a JobRun is opened at once (so the page can follow it),
and the worker imports the file, reporting how far it got (core/progress.py) until the
run is finished with its counts or its first row problems.
"""

from __future__ import annotations

import logging
from pathlib import Path
import uuid

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
import kombu.exceptions

from core.exceptions import NotPermitted
from core.models import JobRun
from core.progress import report_progress

from .feed import KINDS, import_csv

logger = logging.getLogger(__name__)


def may_import(user) -> bool:
    # Both kinds change balances, so both need the right to create accounts.
    return user.has_perm("cases.add_loanaccount")


def start_import(upload, kind: str, *, by) -> JobRun:
    """Keep ``upload`` and queue its import; the run is returned at once, running.
    If the job queue cannot be reached the run is closed as failed, saying so."""
    if not may_import(by):
        raise NotPermitted(_("Importing the loan feed needs permission to add loan accounts."))
    job = KINDS[kind][0]
    token = uuid.uuid4().hex
    folder = Path(settings.IMPORT_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{token}.csv"
    lines = 0
    with path.open("wb") as kept:
        for chunk in upload.chunks():
            kept.write(chunk)
            lines += chunk.count(b"\n")
    run = JobRun.objects.create(
        job=job,
        trigger="admin",
        started_by=by,
        details={"file": upload.name[:200], "kind": kind, "progress_key": token, "lines": max(lines, 1)},
    )
    from ..tasks import import_feed_file  # noqa: PLC0415  (tasks import this module)

    try:
        import_feed_file.delay(run.pk, str(path), kind)
    except kombu.exceptions.OperationalError:
        logger.warning("broker unreachable: import %s not queued", run.pk, exc_info=True)
        path.unlink(missing_ok=True)
        run.status, run.finished_at = JobRun.Status.FAILED, timezone.now()
        run.error = "Not imported: the job queue could not be reached. Upload the file again in a few minutes."
        run.save(update_fields=["status", "finished_at", "error"])
    return run


def run_staged_import(run_id: int, path: str, kind: str) -> dict:
    """The worker's side: import the kept file into its run, then remove the file."""
    run = JobRun.objects.select_related("started_by").get(pk=run_id)
    if run.status != JobRun.Status.RUNNING:
        return run.counts  # delivered twice: the first delivery did the work
    key, total = run.details["progress_key"], run.details["lines"]

    def progress(phase: str, done: int) -> None:
        report_progress(key, phase, done, total)

    try:
        with open(path, "rb") as file:
            import_csv(file, kind, by=run.started_by, trigger=run.trigger, run=run, progress=progress)
    finally:
        Path(path).unlink(missing_ok=True)
    return run.counts
