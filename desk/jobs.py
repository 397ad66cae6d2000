"""The desk's scheduled job (the nightly KPI snapshot) and the nightly cycle, which
composes every app's night and so lives on the top floor."""

from django.utils.translation import gettext_lazy as _

from cases import jobs as case_jobs
from contacts import outbox
from core.job_names import label_counts
from core.jobs import scheduled_job

from . import snapshots

label_counts(
    stock_rows=_("book rows"),
    move_rows=_("bucket-move rows"),
    activity_rows=_("activity rows"),
    already_taken=_("moves already taken today"),
    take_kpi_snapshot=_("KPI snapshot"),
)


@scheduled_job("take_kpi_snapshot", label=_("Take the KPI snapshot"))
def take_kpi_snapshot(now=None) -> dict[str, int]:
    return snapshots.take_snapshot(now)


@scheduled_job("nightly_cycle", label=_("Nightly cycle"))
def nightly_cycle(now=None) -> dict[str, dict]:
    """Everything the night does, in order (each step is also scheduled on its own)."""
    return {
        "check_promises": case_jobs.check_promises(now),
        "refresh_delinquency": case_jobs.refresh_delinquency(now),
        "plan_reminders": outbox.plan_reminders(),
        "take_kpi_snapshot": snapshots.take_snapshot(now),
    }
