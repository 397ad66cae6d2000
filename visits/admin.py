from django.contrib import admin

from cases.admin import HistoryAdmin, ReadOnlyInline
from cases.selectors import visible_cases

from .models import FieldAgent, FieldVisit


@admin.register(FieldAgent)
class FieldAgentAdmin(HistoryAdmin):
    list_display = ["badge_number", "user", "partner", "regions", "active"]
    list_filter = ["active", "partner"]
    list_select_related = ["user"]
    search_fields = ["badge_number", "user__username", "user__last_name"]
    autocomplete_fields = ["user"]


@admin.register(FieldVisit)
class FieldVisitAdmin(HistoryAdmin):
    """Read-only: visits move through the inbox, the agent's page and the services."""

    list_display = ["id", "case", "state", "window_start", "requested_by", "approver", "exception"]
    list_filter = ["state", "exception"]
    list_select_related = ["case__account", "requested_by", "approver"]
    search_fields = ["=case__account__loan_number", "=verification_code"]
    readonly_fields = [field.name for field in FieldVisit._meta.fields] + ["agents"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(case__in=visible_cases(request.user))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class FieldVisitInline(ReadOnlyInline):
    model = FieldVisit
    fields = ["state", "window_start", "window_end", "requested_by", "approver", "exception", "notice_sent_at",
              "checked_in_at"]
    readonly_fields = fields
    verbose_name_plural = "Field visits"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("requested_by", "approver")
