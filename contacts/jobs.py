"""The outbox's scheduled jobs, and the nightly cycle that ends with planning reminders."""

from django.utils.translation import gettext_lazy as _

from cases import jobs as case_jobs
from core.job_names import label_counts
from core.jobs import scheduled_job

from . import outbox, receipts

label_counts(
    planned=_("reminders planned"),
    no_template=_("no approved template"),
    no_contact_point=_("no usable contact point"),
    already_planned=_("already planned"),
    sent=_("sent"),
    deferred=_("deferred"),
    suppressed=_("suppressed"),
    retry=_("to retry"),
    failed=_("failed"),
    skipped=_("skipped"),
    forgotten=_("nonces forgotten"),
)


@scheduled_job("plan_reminders", label=_("Plan reminders"))
def plan_reminders() -> dict[str, int]:
    return outbox.plan_reminders()


@scheduled_job("dispatch_outbox", label=_("Send due messages"), record_empty=False)
def dispatch_outbox() -> dict[str, int]:
    """Every minute; a run that found nothing to send keeps no JobRun."""
    return outbox.dispatch_outbox()


@scheduled_job("forget_receipt_nonces", label=_("Forget old delivery-receipt nonces"), record_empty=False)
def forget_receipt_nonces() -> dict[str, int]:
    """Every 15 minutes: nonces of delivery receipts too old to be accepted again."""
    return {"forgotten": receipts.forget_expired_nonces()}


@scheduled_job("nightly_cycle", label=_("Nightly cycle"))
def nightly_cycle(now=None) -> dict[str, dict]:
    """Everything the night does, in order (each step is also scheduled on its own)."""
    return {
        "check_promises": case_jobs.check_promises(now),
        "refresh_delinquency": case_jobs.refresh_delinquency(now),
        # After it, so the cases opened tonight have a collector in the morning.
        "allocate_cases": case_jobs.allocate_cases(now),
        "plan_reminders": outbox.plan_reminders(),
    }
