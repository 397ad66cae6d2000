"""
Admin for loan accounts and the payments applied to them: the user's own book only;
payments are read-only here (they arrive through ``services.record_payment``).
"""

from decimal import Decimal

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.adminkit import HistoryAdmin, ask_then_apply
from core.money import format_money

from .. import selectors, services
from ..models import LoanAccount, Payment


class DefaultChargeForm(forms.Form):
    amount = forms.DecimalField(label=_("amount"), max_digits=14, decimal_places=2, min_value=Decimal("0.01"))
    reason = forms.CharField(label=_("what it is for"), max_length=200)


class AcknowledgementForm(forms.Form):
    on = forms.DateField(label=_("acknowledged on"), widget=forms.DateInput(attrs={"type": "date"}))
    evidence = forms.CharField(
        label=_("evidence"),
        max_length=500,
        help_text=_("Where the written or recorded acknowledgement is kept (a letter, a call recording)."),
    )


@admin.register(LoanAccount)
class LoanAccountAdmin(HistoryAdmin):
    list_display = [
        "loan_number",
        "borrower",
        "product",
        "currency",
        "outstanding",
        "days_past_due",
        "oldest_unpaid_due_date",
    ]
    list_filter = ["currency", "product"]
    list_select_related = ["borrower"]
    search_fields = ["=loan_number", "borrower__full_name"]
    autocomplete_fields = ["borrower"]
    readonly_fields = ["days_past_due"]
    actions = ["post_default_charge", "record_acknowledgement"]

    def get_queryset(self, request):
        return selectors.visible_accounts(request.user)

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not request.user.has_perm("cases.post_default_charge"):
            actions.pop("post_default_charge", None)
        if not request.user.has_perm("cases.record_acknowledgement"):
            actions.pop("record_acknowledgement", None)
        return actions

    @admin.action(description=_("Post a default charge"))
    def post_default_charge(self, request, queryset):
        return ask_then_apply(
            self,
            request,
            queryset.select_related("borrower"),
            action="post_default_charge",
            form_class=DefaultChargeForm,
            title=_("Post a default charge"),
            explanation=_(
                "The charge is added to the account's fees, within the cap of the borrower's policy profile "
                "(EU-CCD2: costs only)."
            ),
            apply=lambda account, data: services.post_default_charge(
                account, data["amount"], data["reason"], by=request.user
            ),
            done=lambda account: _("%(account)s: done.") % {"account": account},
        )

    @admin.action(description=_("Record an acknowledgement of the debt"))
    def record_acknowledgement(self, request, queryset):
        return ask_then_apply(
            self,
            request,
            queryset.select_related("borrower"),
            action="record_acknowledgement",
            form_class=AcknowledgementForm,
            title=_("Record an acknowledgement of the debt"),
            explanation=_("The limitation period runs again from the day the borrower acknowledged the debt."),
            apply=lambda account, data: services.record_acknowledgement(
                account, on=data["on"], by=request.user, evidence=data["evidence"]
            ),
            done=lambda account: _("%(account)s: done.") % {"account": account},
        )

    @admin.display(description=_("outstanding"))
    def outstanding(self, obj):
        return format_money(obj.outstanding_total, obj.currency)


@admin.register(Payment)
class PaymentAdmin(HistoryAdmin):
    """Payments arrive through record_payment (feed, import, field visit); never edited here."""

    list_display = ["reference", "account", "amount", "currency", "paid_at", "source"]
    list_filter = ["source", "currency"]
    list_select_related = ["account"]
    search_fields = ["=reference", "=account__loan_number"]
    date_hierarchy = "paid_at"

    def get_queryset(self, request):
        return super().get_queryset(request).filter(account__in=selectors.visible_accounts(request.user))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
