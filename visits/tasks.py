from celery import shared_task

from cases.jobs import run_job

from . import services


@shared_task
def send_visit_notices(trigger: str = "beat") -> dict:
    """Every 15 minutes: announce approved visits; mark them notified once a notice left."""
    return run_job("send_visit_notices", services.sync_notices, trigger=trigger).counts
