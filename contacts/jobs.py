"""The outbox's scheduled jobs (the nightly cycle that runs them in order is desk/jobs.py)."""

from django.utils.translation import gettext_lazy as _

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
