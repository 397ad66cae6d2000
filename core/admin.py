"""Job runs in the admin, with a button to run the nightly cycle now."""

import logging

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import path
from django.utils.translation import gettext as _
import kombu.exceptions

from .models import JobRun
from .tasks import run_scheduled_job

logger = logging.getLogger(__name__)


@admin.register(JobRun)
class JobRunAdmin(admin.ModelAdmin):
    list_display = ["job", "trigger", "started_at", "finished_at", "status", "counts", "started_by"]
    list_filter = ["job", "status", "trigger"]
    list_select_related = ["started_by"]
    date_hierarchy = "started_at"
    readonly_fields = [field.name for field in JobRun._meta.fields]
    change_list_template = "admin/core/jobrun/change_list.html"

    def has_add_permission(self, request):
        return False

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
