from django.contrib import admin
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy

from audit.services import log_pii_access
from cases.admin import CollectionCaseAdmin, can_see_full_contact_details
from cases.selectors import visible_cases
from core.adminkit import HistoryAdmin, ReadOnlyInline
from core.masking import mask_text

from .models import FieldAgent, FieldVisit, VisitNotice


@admin.register(FieldAgent)
class FieldAgentAdmin(HistoryAdmin):
    list_display = ["badge_number", "user", "partner", "regions", "active"]
    list_filter = ["active", "partner"]
    list_select_related = ["user"]
    search_fields = ["badge_number", "user__username", "user__last_name"]
    autocomplete_fields = ["user"]


class VisitNoticeInline(ReadOnlyInline):
    """What the borrower was told of the visit, and whether it has left."""

    model = VisitNotice
    fields = ["kind", "channel", "state", "sent_at"]
    readonly_fields = fields
    show_change_link = False
    verbose_name_plural = gettext_lazy("Notices to the borrower")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("message")

    @admin.display(description=gettext_lazy("channel"))
    def channel(self, notice):
        return notice.message.get_channel_display()

    @admin.display(description=gettext_lazy("state"))
    def state(self, notice):
        return notice.message.get_state_display()

    @admin.display(description=gettext_lazy("sent at"))
    def sent_at(self, notice):
        sent = notice.message.sent_at
        return formats.date_format(timezone.localtime(sent), "DATETIME_FORMAT") if sent else "—"


@admin.register(FieldVisit)
class FieldVisitAdmin(HistoryAdmin):
    """Read-only: visits move through the inbox, the agent's page and the services."""

    list_display = [
        "id",
        "case",
        "state",
        "window_start",
        "requested_by",
        "approver",
        "exception",
        "outcome",
        "check_in_far",
    ]
    list_filter = ["state", "exception", "outcome", "check_in_far"]
    list_select_related = ["case__account", "requested_by", "approver"]
    search_fields = ["=case__account__loan_number", "=verification_code"]
    readonly_fields = [field.name for field in FieldVisit._meta.fields] + ["agents"]
    inlines = [VisitNoticeInline]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(case__in=visible_cases(request.user))

    def get_fields(self, request, obj=None):
        # The address is contact detail: masked for roles without the "view full" permission.
        fields = [field for field in super().get_fields(request, obj) if field != "shown_address"]
        if not can_see_full_contact_details(request.user):
            fields = ["shown_address" if field == "address" else field for field in fields]
        return fields

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "shown_address"]

    @admin.display(description=gettext_lazy("address"))
    def shown_address(self, obj):
        return mask_text(obj.address)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        visit = self.get_object(request, object_id)
        if can_see_full_contact_details(request.user):
            log_pii_access(request.user, visit.case.account.borrower, "field visit page", request, case=visit.case)
        return super().change_view(request, object_id, form_url, extra_context)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class FieldVisitInline(ReadOnlyInline):
    model = FieldVisit
    fields = [
        "state",
        "window_start",
        "window_end",
        "requested_by",
        "approver",
        "exception",
        "notice_sent_at",
        "checked_in_at",
        "agreement_file",
        "receipt_file",
    ]
    readonly_fields = fields
    verbose_name_plural = gettext_lazy("Field visits")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("requested_by", "approver")


# The case page shows its field visits; the case book itself knows nothing of them.
CollectionCaseAdmin.inlines = [*CollectionCaseAdmin.inlines, FieldVisitInline]
