"""
A job queued from a button, one at a time: a double click, two people at once or a second
click while the first run is still going must not run the same job twice.

``queue_run`` writes the run at once as QUEUED with ``exclusive`` set; a unique constraint
allows one exclusive run per job, so of two requests at the same instant (PostgreSQL or
the embedded SQLite) one inserts and the other is refused. The worker takes that row
over (``core.jobs.run_job(queued=...)``) and clears ``exclusive`` when the run ends. A
queued run no worker took up within ``QUEUED_STALE_AFTER`` is marked "never started",
and a run still "running" after ``RUNNING_STALE_AFTER`` (a worker killed mid-run) stops
blocking, so neither blocks the button for ever.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from .exceptions import ServiceError
from .job_names import job_label
from .models import JobRun
from .when import local_datetime

QUEUED_STALE_AFTER = timedelta(hours=2)
RUNNING_STALE_AFTER = timedelta(hours=12)


class JobAlreadyQueued(ServiceError):
    """A run of the job is queued or running: a second one is not queued."""

    def __init__(self, name: str, run: JobRun | None):
        self.run = run
        label = job_label(name)
        if run is not None and run.status == JobRun.Status.QUEUED:
            since = local_datetime(run.started_at)
            text = _(
                "%(job)s is already queued (since %(since)s) and waits for a worker; it was not queued again. "
                "A queued run that no worker takes up within two hours may be queued again."
            ) % {"job": label, "since": since}
        elif run is not None:
            text = _("%(job)s is running (started %(since)s); it was not queued again. Wait until it has finished.") % {
                "job": label,
                "since": local_datetime(run.started_at),
            }
        else:
            text = _("%(job)s was queued a moment ago by someone else; it was not queued again.") % {"job": label}
        super().__init__(text)


def release_stale(name: str, now=None) -> None:
    """Queued runs no worker took up in time are marked never started; runs left running
    too long (a worker killed mid-run) stop blocking the button."""
    now = now or timezone.now()
    JobRun.objects.filter(
        job=name, exclusive=True, status=JobRun.Status.QUEUED, started_at__lt=now - QUEUED_STALE_AFTER
    ).update(status=JobRun.Status.ABANDONED, exclusive=False, finished_at=now)
    JobRun.objects.filter(job=name, exclusive=True, started_at__lt=now - RUNNING_STALE_AFTER).update(exclusive=False)


def busy_run(name: str, now=None) -> JobRun | None:
    """The run of ``name`` that is queued or running now, if any (stale ones aside)."""
    now = now or timezone.now()
    return (
        JobRun.objects.filter(job=name)
        .filter(
            Q(status=JobRun.Status.QUEUED, started_at__gte=now - QUEUED_STALE_AFTER)
            | Q(status=JobRun.Status.RUNNING, started_at__gte=now - RUNNING_STALE_AFTER)
        )
        .order_by("-started_at")
        .first()
    )


def queue_run(name: str, *, by, trigger: str = "admin") -> JobRun:
    """Write a queued run of ``name`` for a worker to take over, or raise JobAlreadyQueued
    while one is queued or running."""
    now = timezone.now()
    with transaction.atomic():
        release_stale(name, now)
        busy = busy_run(name, now)
        if busy is not None:
            raise JobAlreadyQueued(name, busy)
        try:
            with transaction.atomic():
                return JobRun.objects.create(
                    job=name, trigger=trigger, started_by=by, status=JobRun.Status.QUEUED, exclusive=True
                )
        except IntegrityError:
            # Another request queued it between our look and our insert.
            raise JobAlreadyQueued(name, None) from None


def give_up(run: JobRun, error: str) -> None:
    """A queued run that could not be handed to the workers (the broker is unreachable)."""
    JobRun.objects.filter(pk=run.pk, status=JobRun.Status.QUEUED).update(
        status=JobRun.Status.ABANDONED, exclusive=False, finished_at=timezone.now(), error=error
    )


def take_over(run_id: int, name: str) -> JobRun | None:
    """The worker's side: the queued run becomes running (once: a message delivered twice
    finds it taken); None when it is no longer queued."""
    now = timezone.now()
    taken = JobRun.objects.filter(pk=run_id, job=name, status=JobRun.Status.QUEUED).update(
        status=JobRun.Status.RUNNING, started_at=now
    )
    return JobRun.objects.get(pk=run_id) if taken else None
