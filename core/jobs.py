"""The scheduled jobs, found in each app's ``jobs.py``, and the record of every run.

An app declares a job where its rules live::

    @scheduled_job("check_promises", label=_("Check promises and plans"))
    def check_promises(now=None) -> dict[str, int]: ...

and every way of starting one — Celery beat (``core.tasks.run_scheduled_job``), the
``run_job`` command, the admin's "run now" button — names it and goes through
``run_job``, which keeps a JobRun: when, what it did (the counts it returned), or the
error that stopped it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
import logging
import time
import traceback

from django.db import DatabaseError, connection
from django.utils import timezone

from .job_names import job_label, label_job  # noqa: F401  (re-exported for the apps)
from .jobqueue import take_over
from .models import JobRun

logger = logging.getLogger(__name__)


# When the job failed because the database went away (a restart, a failover), recording
# the failure waits for it to come back: seconds between tries, about a minute in all.
FAILED_SAVE_WAITS = (0, 1, 2, 4, 8, 15, 30)


class UnknownJob(LookupError):
    pass


@dataclass(frozen=True)
class Job:
    name: str
    func: Callable[..., dict]
    # A job that runs every minute and mostly finds nothing to do keeps a JobRun only when
    # it did something (1,440 empty rows a day would bury the ones that matter).
    record_empty: bool = True


_registry: dict[str, Job] = {}


def scheduled_job(name: str, *, label=None, record_empty: bool = True):
    """Register the decorated function as the job ``name``; it returns a dict of counts.
    ``label`` (a lazy translation) is what the job-run pages call it."""

    def register(func):
        _registry[name] = Job(name=name, func=func, record_empty=record_empty)
        if label is not None:
            label_job(name, label)
        return func

    return register


def registered_jobs() -> dict[str, Job]:
    return dict(sorted(_registry.items()))


def get_job(name: str) -> Job:
    try:
        return _registry[name]
    except KeyError:
        raise UnknownJob(f"No job {name!r}; the jobs are: {', '.join(sorted(_registry))}.") from None


def run_job(
    name: str,
    func: Callable[..., dict] | None = None,
    *,
    trigger: str = "beat",
    by=None,
    queued: int | None = None,
    **kwargs,
) -> JobRun | None:
    """Run the job ``name`` (or ``func`` under that name) and keep a JobRun of it.

    ``queued``: the id of the run a button queued (core/jobqueue.py); that row is taken
    over instead of a new one written, and if it is no longer queued (taken by an earlier
    delivery of the same message, or given up as never started) nothing runs.

    Returns the run, or None for a job that keeps no record of an empty run and found
    nothing to do. The error of a failed run is kept, then raised again.
    """
    job = Job(name=name, func=func) if func is not None else get_job(name)
    if queued is not None:
        run = take_over(queued, name)
        if run is None:
            logger.warning("%s: queued run %s is no longer queued; not run again", name, queued)
            return None
    else:
        run = JobRun(job=name, trigger=trigger, started_by=by)
        if job.record_empty:
            run.save()
    try:
        counts = job.func(**kwargs)
    except Exception:
        run.status = JobRun.Status.FAILED
        run.error = traceback.format_exc()[-4000:]
        run.finished_at = timezone.now()
        run.exclusive = False
        logger.exception("%s failed", name)
        _save_failed(run)
        raise
    if not job.record_empty and run.pk is None and not any(counts.values()):
        return None
    run.status = JobRun.Status.SUCCEEDED
    run.counts = counts
    run.finished_at = timezone.now()
    run.exclusive = False
    run.save()
    logger.info("%s: %s", name, counts)
    return run


def _save_failed(run: JobRun) -> None:
    """Record the failed run. The failure may be the database itself: the connection the
    error broke is dropped and the write tried again on a new one until the server is
    back, so the run is not left "running" for ever (a restart of PostgreSQL mid-run)."""
    for wait in FAILED_SAVE_WAITS:
        time.sleep(wait)
        try:
            run.save()
            return
        except DatabaseError:
            if connection.in_atomic_block:
                raise  # the caller's transaction owns the connection: not ours to drop
            logger.warning("%s: recording the failed run failed; trying again", run.job, exc_info=True)
            connection.close()
    logger.error("%s: the failed run could not be recorded; it shows as running", run.job)
