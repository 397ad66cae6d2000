"""
Admin for holds (disputes, hardship, breathing space…): placed through
``services.place_hold`` from the add page and released through ``services.release_hold``
from the list; never edited.
"""

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.adminkit import HistoryAdmin, ServiceForm, ask_then_apply
from core.exceptions import ServiceError

from .. import selectors, services
from ..models import Hold
from ..services.holds import CRISIS_AFTER_TREATMENT_DAYS
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


class TreatmentEndForm(forms.Form):
    ended_on = forms.DateField(
        label=_("Crisis treatment ended on"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("The day the approved mental health professional confirmed the treatment ended."),
    )


@admin.register(Hold)
class HoldAdmin(CaseServiceAdminMixin, HistoryAdmin):
    form = HoldForm
    list_display = ["case", "kind", "starts_at", "ends_at", "released_at", "placed_by"]
    list_filter = ["kind", ("released_at", admin.EmptyFieldListFilter)]
    list_select_related = ["case__account", "placed_by"]
    search_fields = ["=case__account__loan_number"]
    autocomplete_fields = ["case"]
    actions = ["release_selected", "record_treatment_end"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(case__in=selectors.visible_cases(request.user))

    def has_change_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not request.user.has_perm("cases.release_hold"):
            actions.pop("release_selected", None)
            actions.pop("record_treatment_end", None)
        return actions

    @admin.action(description=_("Record the end of crisis treatment"))
    def record_treatment_end(self, request, queryset):
        """A crisis breathing space has no end until a person records the end of the
        treatment (then it ends 30 days later): the date is asked on a page of its own."""
        return ask_then_apply(
            self,
            request,
            queryset.select_related("case__account"),
            action="record_treatment_end",
            form_class=TreatmentEndForm,
            title=_("Record the end of crisis treatment"),
            explanation=ngettext(
                "A mental health crisis breathing space lasts until the crisis treatment ends, then %(days)s more day.",
                "A mental health crisis breathing space lasts until the crisis treatment ends, then %(days)s more days.",
                CRISIS_AFTER_TREATMENT_DAYS,
            )
            % {"days": CRISIS_AFTER_TREATMENT_DAYS},
            apply=lambda hold, data: services.record_crisis_treatment_end(
                hold, ended_on=data["ended_on"], by=request.user
            ),
            done=lambda hold: _("%(hold)s: the breathing space now ends 30 days after the treatment.") % {"hold": hold},
        )

    @admin.action(description=_("Release selected holds"))
    def release_selected(self, request, queryset):
        for hold in queryset.filter(released_at__isnull=True):
            try:
                services.release_hold(hold, by=request.user, note="released from the hold list")
            except ServiceError as refusal:
                self.message_user(request, f"{hold}: {refusal}", level=messages.ERROR)
            else:
                self.message_user(request, _("%(hold)s: released.") % {"hold": hold}, level=messages.SUCCESS)
