"""
Admin for holds (disputes, hardship, breathing space…): placed through
``services.place_hold`` from the add page and released through ``services.release_hold``
from the list; never edited.
"""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from core.adminkit import HistoryAdmin, ServiceForm
from core.exceptions import ServiceError

from .. import selectors, services
from ..models import Hold
from .access import CaseServiceAdminMixin


class HoldForm(ServiceForm):
    class Meta:
        model = Hold
        fields = ["case", "kind", "ends_at", "note", "evidence"]

    def call_service(self, data):
        return services.place_hold(
            data["case"],
            data["kind"],
            by=self.request_user,
            until=data.get("ends_at"),
            note=data.get("note", ""),
            evidence=data.get("evidence"),
        )


@admin.register(Hold)
class HoldAdmin(CaseServiceAdminMixin, HistoryAdmin):
    form = HoldForm
    list_display = ["case", "kind", "starts_at", "ends_at", "released_at", "placed_by"]
    list_filter = ["kind", ("released_at", admin.EmptyFieldListFilter)]
    list_select_related = ["case__account", "placed_by"]
    search_fields = ["=case__account__loan_number"]
    autocomplete_fields = ["case"]
    actions = ["release_selected"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(case__in=selectors.visible_cases(request.user))

    def has_change_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not request.user.has_perm("cases.release_hold"):
            actions.pop("release_selected", None)
        return actions

    @admin.action(description=_("Release selected holds"))
    def release_selected(self, request, queryset):
        for hold in queryset.filter(released_at__isnull=True):
            try:
                services.release_hold(hold, by=request.user, note="released from the hold list")
            except ServiceError as refusal:
                self.message_user(request, f"{hold}: {refusal}", level=messages.ERROR)
            else:
                self.message_user(request, _("%(hold)s: released.") % {"hold": hold}, level=messages.SUCCESS)
