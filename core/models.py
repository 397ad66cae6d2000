"""Runs of the scheduled jobs: the one model of the ground floor."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .job_names import job_label
from .when import local_datetime


class JobRun(models.Model):
    """One run of a scheduled job (nightly cycle, outbox dispatch, import): when, what it
    did, and how it ended. Visible in the admin so operations can see the night went well."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")
        # Queued from a button, but no worker took it up in time (core/jobqueue.py).
        ABANDONED = "abandoned", _("Never started")

    job = models.CharField(max_length=60, db_index=True, verbose_name=_("job"))
    trigger = models.CharField(
        max_length=20, default="beat", help_text=_("beat, admin, command or test"), verbose_name=_("trigger")
    )
    started_at = models.DateTimeField(default=timezone.now, db_index=True, verbose_name=_("started at"))
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name=_("finished at"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING, verbose_name=_("status"))
    counts = models.JSONField(default=dict, blank=True, verbose_name=_("counts"))
    error = models.TextField(blank=True, verbose_name=_("error"))
    # What the run leaves for the page that follows it: an import's first row problems.
    # A database default too, so rows written by code that predates the column still insert.
    details = models.JSONField(
        default=dict,
        db_default=models.Value({}, output_field=models.JSONField()),
        blank=True,
        verbose_name=_("details"),
    )
    # Set while a run queued from a button (core/jobqueue.py) is queued or running: one such
    # run per job at a time, which the unique constraint below holds even against two
    # requests at the same instant. Beat and the run_job command never set it.
    exclusive = models.BooleanField(
        default=False,
        db_default=False,
        help_text=_("Queued from a button: no second run of this job may be queued meanwhile."),
        verbose_name=_("exclusive"),
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("started by"),
    )

    class Meta:
        verbose_name = _("job run")
        verbose_name_plural = _("job runs")
        ordering = ["-started_at"]
        db_table = "cases_jobrun"  # created by the cases app before the ground floor existed
        permissions = [("run_nightly_cycle", _("Can run the nightly cycle on demand"))]
        constraints = [
            models.UniqueConstraint(
                fields=["job"], condition=models.Q(exclusive=True), name="one_exclusive_run_per_job"
            )
        ]

    def __str__(self):
        return f"{job_label(self.job)} {local_datetime(self.started_at)} {self.get_status_display()}"

    @property
    def duration(self):
        return (self.finished_at - self.started_at) if self.finished_at else None
