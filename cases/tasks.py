"""Celery tasks: thin wrappers that run a job and record it (cases/jobs.py)."""
from celery import shared_task

from . import jobs, services


@shared_task
def release_expired_holds() -> int:
    return jobs.run_job("release_expired_holds", lambda: {"released": services.release_expired_holds()}).counts["released"]


@shared_task
def refresh_delinquency(trigger: str = "beat", user_id: int | None = None) -> dict:
    return jobs.run_job("refresh_delinquency", jobs.refresh_delinquency, trigger=trigger, by=_user(user_id)).counts


@shared_task
def check_promises(trigger: str = "beat", user_id: int | None = None) -> dict:
    return jobs.run_job("check_promises", jobs.check_promises, trigger=trigger, by=_user(user_id)).counts


@shared_task
def nightly_cycle(trigger: str = "admin", user_id: int | None = None) -> dict:
    return jobs.run_job("nightly_cycle", jobs.nightly_cycle, trigger=trigger, by=_user(user_id)).counts


def _user(user_id):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(pk=user_id).first() if user_id else None
