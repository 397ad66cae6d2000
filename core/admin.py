"""Job runs in the admin, with a button to run the nightly cycle now."""

import logging

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import path
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
import kombu.exceptions

from .adminkit import confirm_job_page
from .job_names import count_label, failure_text, job_label
from .jobqueue import JobAlreadyQueued, give_up, queue_run
from .models import JobRun
from .tasks import run_scheduled_job
from .when import local_datetime

logger = logging.getLogger(__name__)


class JobFilter(admin.SimpleListFilter):
    title = gettext_lazy("job")
    parameter_name = "job"

    def lookups(self, request, model_admin):
        names = JobRun.objects.order_by().values_list("job", flat=True).distinct()
        return sorted(((name, job_label(name)) for name in names), key=lambda pair: pair[1])

    def queryset(self, request, queryset):
        return queryset.filter(job=self.value()) if self.value() else queryset


@admin.register(JobRun)
class JobRunAdmin(admin.ModelAdmin):
    list_display = ["job_name", "trigger", "started", "finished", "status", "what_it_did", "started_by"]
    list_filter = [JobFilter, "status", "trigger"]
    list_select_related = ["started_by"]
    date_hierarchy = "started_at"
    fields = ["job_name", "trigger", "started", "finished", "status", "counts_table", "problem", "started_by"]
    readonly_fields = fields
    change_list_template = "admin/core/jobrun/change_list.html"

    def has_add_permission(self, request):
        return False

    @admin.display(description=gettext_lazy("job"), ordering="job")
    def job_name(self, obj):
        return job_label(obj.job)

    @admin.display(description=gettext_lazy("started at"), ordering="started_at")
    def started(self, obj):
        return local_datetime(obj.started_at)

    @admin.display(description=gettext_lazy("finished at"), ordering="finished_at")
    def finished(self, obj):
        return local_datetime(obj.finished_at)

    @admin.display(description=gettext_lazy("what it did"))
    def counts_table(self, obj):
        """The run's counts as a table: what was counted, and how many; a nested step's
        counts (the nightly cycle's) under the step's name."""
        if not obj.counts:
            return "—"
        return format_html(
            '<table class="job-counts"><thead><tr><th scope="col">{}</th><th scope="col">{}</th></tr></thead>{}</table>',
            _("what"),
            _("how many"),
            format_html_join("", "{}", ((body,) for body in _sections(obj.counts))),
        )

    @admin.display(description=gettext_lazy("what it did"))
    def what_it_did(self, obj):
        """The run's counts as "label: number" pairs (nested steps flattened), not JSON."""
        return "; ".join(f"{name}: {value}" for name, value in _flat(obj.counts)) or "—"

    @admin.display(description=gettext_lazy("what went wrong"))
    def problem(self, obj):
        return failure_text(obj) if obj.status == JobRun.Status.FAILED else "—"

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [
            path("run-nightly/", self.admin_site.admin_view(self.run_nightly), name="core_jobrun_run_nightly"),
            *super().get_urls(),
        ]

    def run_nightly(self, request):
        """GET: what the nightly cycle does, and a button; POST: queue it on the workers,
        unless a run of it is queued or running already (supervisors and administrators)."""
        if not request.user.has_perm("core.run_nightly_cycle"):
            raise PermissionDenied
        changelist = "admin:core_jobrun_changelist"
        if request.method != "POST":
            return confirm_job_page(
                self,
                request,
                job="nightly_cycle",
                title=_("Run the nightly cycle now"),
                explanation=_(
                    "The nightly cycle recomputes days past due for the whole book, opens cases for newly "
                    "overdue accounts, resolves paid ones, climbs the ladder where the profile's rules hold, "
                    "releases holds that have ended, gives new cases a collector by the allocation rule, plans "
                    "the reminders and takes the dashboard's snapshot. It runs on the workers; its run appears "
                    "in the job runs when it has finished. It is safe to run twice, but not at the same time: "
                    "while a run is queued or running, another is refused."
                ),
                back=changelist,
            )
        try:
            run = queue_run("nightly_cycle", by=request.user)
        except JobAlreadyQueued as refusal:
            messages.error(request, str(refusal))
            return redirect(changelist)
        try:
            run_scheduled_job.delay("nightly_cycle", trigger="admin", user_id=request.user.pk, run_id=run.pk)
        except kombu.exceptions.OperationalError:
            logger.warning("broker unreachable: the nightly cycle was not queued", exc_info=True)
            give_up(run, "Not queued: the job queue could not be reached.")
            messages.error(
                request,
                _(
                    "The job queue cannot be reached just now, so the nightly cycle was not queued. "
                    "Try again in a few minutes; a nightly run missed meanwhile is made up when the queue is back."
                ),
            )
            return redirect(changelist)
        messages.success(request, _("The nightly cycle is queued; its run appears here when a worker has done it."))
        return redirect(changelist)


def _sections(counts):
    """Table bodies: the plain counts first, then one section per nested step."""
    plain = [(count_label(name), value) for name, value in counts.items() if not isinstance(value, dict)]
    if plain:
        yield format_html("<tbody>{}</tbody>", _rows(plain))
    for name, value in counts.items():
        if isinstance(value, dict):
            heading = format_html('<tr><th colspan="2" scope="rowgroup">{}</th></tr>', count_label(name))
            yield format_html("<tbody>{}{}</tbody>", heading, _rows(_flat(value)))


def _rows(pairs):
    return format_html_join("", '<tr><th scope="row">{}</th><td>{}</td></tr>', pairs)


def _flat(counts, prefix=""):
    for name, value in (counts or {}).items():
        if isinstance(value, dict):
            yield from _flat(value, f"{prefix}{count_label(name)} › ")
        else:
            yield f"{prefix}{count_label(name)}", value
