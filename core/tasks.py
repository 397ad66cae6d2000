"""One Celery task runs every scheduled job by name (the beat schedule names the job)."""

from celery import shared_task
from django.contrib.auth import get_user_model

from .catchup import catch_up_missed_jobs as catch_up
from .jobs import run_job


@shared_task
def run_scheduled_job(name: str, trigger: str = "beat", user_id: int | None = None, run_id: int | None = None) -> dict:
    """``run_id``: the run a button queued (core/jobqueue.py), which the worker takes over."""
    by = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    run = run_job(name, trigger=trigger, by=by, queued=run_id)
    return run.counts if run is not None else {}


@shared_task
def catch_up_missed_jobs() -> dict:
    """Run the daily jobs whose tick passed with no run (a broker outage, say)."""
    return catch_up()
