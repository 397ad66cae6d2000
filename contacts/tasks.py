"""Celery tasks for outreach: planning and delivering the outbox."""
from celery import shared_task

from cases.jobs import run_job

from . import outbox


@shared_task
def plan_reminders(trigger: str = "beat") -> dict:
    return run_job("plan_reminders", outbox.plan_reminders, trigger=trigger).counts


@shared_task
def dispatch_outbox() -> dict:
    """Every minute. A run that found nothing to do is not recorded (1,440 empty rows a day
    would bury the ones that matter)."""
    counts = outbox.dispatch_outbox()
    if any(counts.values()):
        from cases.models import JobRun
        from django.utils import timezone

        now = timezone.now()
        JobRun.objects.create(job="dispatch_outbox", started_at=now, finished_at=now, counts=counts,
                              status=JobRun.Status.SUCCEEDED)
    return counts
