"""Job runs in the admin, with a button to run the nightly cycle now."""

import logging

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
import kombu.exceptions

from .job_names import count_label, failure_text, job_label
from .models import JobRun
from .tasks import run_scheduled_job

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
    list_display = ["job_name", "trigger", "started_at", "finished_at", "status", "what_it_did", "started_by"]
    list_filter = [JobFilter, "status", "trigger"]
    list_select_related = ["started_by"]
    date_hierarchy = "started_at"
    fields = ["job_name", "trigger", "started_at", "finished_at", "status", "what_it_did", "problem", "started_by"]
    readonly_fields = fields
    change_list_template = "admin/core/jobrun/change_list.html"

    def has_add_permission(self, request):
        return False

    @admin.display(description=gettext_lazy("job"), ordering="job")
    def job_name(self, obj):
        return job_label(obj.job)

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
        """Queue the nightly cycle on the workers (POST only, supervisors and administrators)."""
        if request.method != "POST" or not request.user.has_perm("core.run_nightly_cycle"):
            raise PermissionDenied
        try:
            run_scheduled_job.delay("nightly_cycle", trigger="admin", user_id=request.user.pk)
        except kombu.exceptions.OperationalError:
            logger.warning("broker unreachable: the nightly cycle was not queued", exc_info=True)
            messages.error(
                request,
                _(
                    "The job queue cannot be reached just now, so the nightly cycle was not queued. "
                    "Try again in a few minutes; a nightly run missed meanwhile is made up when the queue is back."
                ),
            )
            return redirect("admin:core_jobrun_changelist")
        messages.success(request, _("The nightly cycle is queued; its run appears here when a worker has done it."))
        return redirect("admin:core_jobrun_changelist")


def _flat(counts, prefix=""):
    for name, value in (counts or {}).items():
        if isinstance(value, dict):
            yield from _flat(value, f"{prefix}{count_label(name)} › ")
        else:
            yield f"{prefix}{count_label(name)}", value
