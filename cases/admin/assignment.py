"""
Who works which case, from the case list: the bulk action "Assign to a collector…" (asks
for the collector and a reason on a page of its own, then one set-based service call for
the whole selection), and the button "Allocate unassigned cases now" (the allocation rule
the nightly cycle applies, on demand). Both for whoever may assign cases (supervisors).
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from core.adminkit import ask_then_apply
from core.exceptions import ServiceError
from core.jobs import run_job

from .. import services
from ..models import CLOSED_STATES

ASSIGN_PERMISSION = "cases.assign_case"


class AssignForm(forms.Form):
    collector = forms.ModelChoiceField(queryset=None, label=gettext_lazy("Collector"))
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=500,
        help_text=gettext_lazy("Kept with each case's assignment, as typed."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["collector"].queryset = services.collectors().order_by("username")
        self.fields["collector"].label_from_instance = lambda user: user.get_full_name() or user.get_username()


def allocation_counts(counts: dict[str, int]) -> str:
    """The allocation's counts in words, in the reader's language."""
    said = ngettext("%(count)s case allocated.", "%(count)s cases allocated.", counts["allocated"]) % {
        "count": counts["allocated"]
    }
    left = counts["no_eligible_collector"]
    if left:
        said += " " + ngettext(
            "%(count)s case left unassigned: no collector takes its language, region or policy profile.",
            "%(count)s cases left unassigned: no collector takes their language, region or policy profile.",
            left,
        ) % {"count": left}
    return said


class CollectorFilter(admin.SimpleListFilter):
    """The cases of one collector, or of nobody (the workload page links here)."""

    title = gettext_lazy("assigned collector")
    parameter_name = "collector"

    def lookups(self, request, model_admin):
        people = [(str(user.pk), user.get_full_name() or user.get_username()) for user in services.collectors()]
        return [("none", gettext_lazy("Nobody")), *sorted(people, key=lambda pair: pair[1])]

    def queryset(self, request, queryset):
        if self.value() == "none":
            return queryset.filter(assigned_collector__isnull=True)
        if self.value() and self.value().isdigit():
            return queryset.filter(assigned_collector_id=int(self.value()))
        return queryset


class OpenCasesFilter(admin.SimpleListFilter):
    title = gettext_lazy("open or closed")
    parameter_name = "open"

    def lookups(self, request, model_admin):
        return [("yes", gettext_lazy("open cases")), ("no", gettext_lazy("closed cases"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.exclude(state__in=CLOSED_STATES)
        if self.value() == "no":
            return queryset.filter(state__in=CLOSED_STATES)
        return queryset


class AssignmentAdminMixin:
    """For the collection case admin: the bulk action, the allocation button, and the
    filters the workload page's links use."""

    actions = ["assign_to_collector"]

    def get_list_filter(self, request):
        return [OpenCasesFilter, CollectorFilter, *super().get_list_filter(request)]

    def has_assign_permission(self, request) -> bool:
        return request.user.has_perm(ASSIGN_PERMISSION)

    @admin.action(description=gettext_lazy("Assign to a collector…"), permissions=["assign"])
    def assign_to_collector(self, request, queryset):
        return ask_then_apply(
            self,
            request,
            queryset.select_related("account"),
            action="assign_to_collector",
            form_class=AssignForm,
            title=_("Assign to a collector"),
            explanation=_(
                "The selected cases go to the collector you pick, each with an event saying from whom, to whom "
                "and why. Closed cases cannot be reassigned."
            ),
            apply_all=lambda cases, data: (
                services.assign_cases(cases, data["collector"], by=request.user, reason=data["reason"]),
                data["collector"],
            ),
            done=lambda result: (
                ngettext(
                    "%(count)s case assigned to %(collector)s.", "%(count)s cases assigned to %(collector)s.", result[0]
                )
                % {"count": result[0], "collector": result[1].get_full_name() or result[1].get_username()}
            ),
        )

    def get_urls(self):
        meta = self.model._meta
        return [
            path(
                "allocate/",
                self.admin_site.admin_view(self.allocate_now),
                name=f"{meta.app_label}_{meta.model_name}_allocate",
            ),
            *super().get_urls(),
        ]

    def allocate_now(self, request):
        """Run the allocation rule now (POST only), kept as a run of the allocate_cases job."""
        if request.method != "POST" or not self.has_assign_permission(request):
            raise PermissionDenied
        try:
            run = run_job(
                "allocate_cases",
                lambda: services.allocate_new_cases(by=request.user),
                trigger="admin",
                by=request.user,
            )
        except ServiceError as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(request, allocation_counts(run.counts))
        return redirect("admin:cases_collectioncase_changelist")
