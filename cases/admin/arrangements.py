"""
Admin for arrangements: promises to pay (recorded through ``services.record_promise``)
and repayment plans with their instalments (a plan beyond policy is approved from the
list through ``services.approve_repayment_plan``); never edited.
"""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from core.adminkit import HistoryAdmin, ReadOnlyInline, ServiceForm
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


@admin.register(RepaymentPlan)
class RepaymentPlanAdmin(HistoryAdmin):
    list_display = ["id", "case", "status", "total_amount", "currency", "beyond_policy", "created_by", "approved_by"]
    list_filter = ["status", "beyond_policy"]
    list_select_related = ["case__account", "created_by", "approved_by"]
    search_fields = ["=case__account__loan_number"]
    inlines = [InstallmentInline]
    actions = ["approve_selected"]

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
        return actions

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
