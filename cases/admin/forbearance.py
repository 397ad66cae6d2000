"""
Admin for forbearance assessments: recorded from the add page (the case page links to it)
through ``services.record_forbearance_assessment``, read by supervisors and compliance,
never edited; history read-only.
"""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.adminkit import HistoryAdmin, ReadOnlyInline, ServiceForm

from .. import selectors, services
from ..exceptions import ForbearanceError
from ..models import ForbearanceAssessment, ForbearanceOption
from .access import CaseServiceAdminMixin


class ForbearanceAssessmentForm(ServiceForm):
    options_offered = forms.MultipleChoiceField(
        choices=ForbearanceOption.choices,
        widget=forms.CheckboxSelectMultiple,
        label=_("options offered"),
        help_text=_("Every option put to the borrower."),
    )

    class Meta:
        model = ForbearanceAssessment
        fields = [
            "case",
            "circumstances",
            "options_offered",
            "answer",
            "accepted_option",
            "debt_advice_offered",
            "note",
        ]

    def clean(self):
        # A refusal that names its field shows beside that field, not above the form.
        try:
            return super().clean()
        except forms.ValidationError as refusal:
            cause = refusal.__cause__
            if isinstance(cause, ForbearanceError) and cause.field in self.fields:
                self.add_error(cause.field, str(cause))
                return self.cleaned_data
            raise

    def call_service(self, data):
        return services.record_forbearance_assessment(
            data["case"],
            circumstances=data["circumstances"],
            options_offered=data["options_offered"],
            answer=data["answer"],
            accepted_option=data.get("accepted_option", ""),
            debt_advice_offered=data.get("debt_advice_offered", False),
            note=data.get("note", ""),
            by=self.request_user,
        )


@admin.register(ForbearanceAssessment)
class ForbearanceAssessmentAdmin(CaseServiceAdminMixin, HistoryAdmin):
    form = ForbearanceAssessmentForm
    list_display = ["case", "assessed_at", "options", "answer", "accepted_option", "debt_advice_offered", "assessed_by"]
    list_filter = ["answer", "debt_advice_offered"]
    list_select_related = ["case__account", "assessed_by"]
    search_fields = ["=case__account__loan_number"]
    autocomplete_fields = ["case"]
    readonly_fields = ["options"]
    date_hierarchy = "assessed_at"

    def get_queryset(self, request):
        return super().get_queryset(request).filter(case__in=selectors.visible_cases(request.user))

    def get_fields(self, request, obj=None):
        if obj is None:
            return super().get_fields(request, obj)
        return [
            "case",
            "assessed_at",
            "assessed_by",
            "circumstances",
            "options",
            "answer",
            "accepted_option",
            "debt_advice_offered",
            "note",
        ]

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("options offered"))
    def options(self, obj):
        return obj.options_shown or "—"


class ForbearanceInline(ReadOnlyInline):
    """The case page's list of its assessments."""

    model = ForbearanceAssessment
    fields = ["assessed_at", "options", "answer", "accepted_option", "debt_advice_offered", "assessed_by"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("assessed_by")

    @admin.display(description=_("options offered"))
    def options(self, obj):
        return obj.options_shown or "—"
