"""
Admin for arrangements: promises to pay (recorded through ``services.record_promise``)
and repayment plans with their instalments (a plan beyond policy shows why in words, and
is approved from the list through ``services.approve_repayment_plan`` or rejected, with a
reason asked on a page of its own, through ``services.reject_repayment_plan``); never
edited.
"""

from django import forms
from django.contrib import admin, messages
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from core.adminkit import HistoryAdmin, ReadOnlyInline, ServiceForm, ask_then_apply
from core.exceptions import ServiceError

from .. import selectors, services
from ..models import Installment, PromiseToPay, RepaymentPlan
from .access import CaseServiceAdminMixin


class PromiseForm(ServiceForm):
    class Meta:
        model = PromiseToPay
        fields = ["case", "amount", "due_date", "note"]

    def call_service(self, data):
        return services.record_promise(
            data["case"], data["amount"], data["due_date"], by=self.request_user, note=data.get("note", "")
        )


@admin.register(PromiseToPay)
class PromiseToPayAdmin(CaseServiceAdminMixin, HistoryAdmin):
    form = PromiseForm
    list_display = ["case", "amount", "currency", "due_date", "status", "created_by"]
    list_filter = ["status"]
    list_select_related = ["case__account", "created_by"]
    search_fields = ["=case__account__loan_number"]
    autocomplete_fields = ["case"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(case__in=selectors.visible_cases(request.user))

    def has_change_permission(self, request, obj=None):
        return False


class InstallmentInline(ReadOnlyInline):
    model = Installment
    fields = ["sequence", "due_date", "amount", "paid_amount", "status"]
    readonly_fields = fields
    show_change_link = False


def why_beyond_policy(plan: RepaymentPlan):
    """The plan's beyond-policy reasons in the reader's language, one per line."""
    return format_html_join("", "<div>{}</div>", ((line,) for line in plan.beyond_policy_sentences())) or "—"


class RejectPlanForm(forms.Form):
    reason = forms.CharField(
        label=_("Why the plan is rejected"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The collector who agreed it reads this on the case."),
    )


@admin.register(RepaymentPlan)
class RepaymentPlanAdmin(HistoryAdmin):
    list_display = [
        "id",
        "case",
        "status",
        "total_amount",
        "currency",
        "beyond_policy",
        "beyond_policy_reasons_text",
        "created_by",
        "approved_by",
        "rejected_by",
    ]
    list_filter = ["status", "beyond_policy"]
    list_select_related = ["case__account", "created_by", "approved_by", "rejected_by"]
    search_fields = ["=case__account__loan_number"]
    # The reasons are stored as codes: shown in words, never as the stored JSON.
    fields = [
        "case",
        "status",
        "total_amount",
        "currency",
        "beyond_policy",
        "beyond_policy_reasons_text",
        "note",
        "created_at",
        "created_by",
        "approved_by",
        "approved_at",
        "rejected_by",
        "rejected_at",
        "rejection_reason",
    ]
    readonly_fields = ["beyond_policy_reasons_text"]
    inlines = [InstallmentInline]
    actions = ["approve_selected", "reject_selected"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(case__in=selectors.visible_cases(request.user))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not request.user.has_perm("cases.approve_repayment_plan"):
            actions.pop("approve_selected", None)
            actions.pop("reject_selected", None)
        return actions

    @admin.display(description=_("why beyond policy"))
    def beyond_policy_reasons_text(self, plan):
        return why_beyond_policy(plan)

    @admin.action(description=_("Approve selected plans (beyond policy)"))
    def approve_selected(self, request, queryset):
        for plan in queryset:
            try:
                services.approve_repayment_plan(plan, by=request.user)
            except ServiceError as refusal:
                self.message_user(
                    request, _("Plan %(pk)s: %(refusal)s") % {"pk": plan.pk, "refusal": refusal}, level=messages.ERROR
                )
            else:
                self.message_user(request, _("Plan %(pk)s: approved.") % {"pk": plan.pk}, level=messages.SUCCESS)

    @admin.action(description=_("Reject selected plans (beyond policy)"))
    def reject_selected(self, request, queryset):
        """A plan beyond policy turned down: why is asked on a page of its own, and the
        collector reads it on the case."""
        return ask_then_apply(
            self,
            request,
            queryset.select_related("case__account"),
            action="reject_selected",
            form_class=RejectPlanForm,
            title=_("Reject repayment plans"),
            explanation=_("A rejected plan never runs; the case stays where it is."),
            apply=lambda plan, data: services.reject_repayment_plan(plan, by=request.user, reason=data["reason"]),
            done=lambda plan: _("Plan %(pk)s: rejected.") % {"pk": plan.pk},
        )


@admin.register(Installment)
class InstallmentAdmin(HistoryAdmin):
    list_display = ["plan", "sequence", "due_date", "amount", "paid_amount", "status"]
    list_select_related = ["plan"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(plan__case__in=selectors.visible_cases(request.user))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
