"""
Admin for loan accounts and the payments applied to them: the user's own book only;
payments are read-only here (they arrive through ``services.record_payment``).
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.adminkit import HistoryAdmin
from core.money import format_money

from .. import selectors
from ..models import LoanAccount, Payment


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

    def get_queryset(self, request):
        return selectors.visible_accounts(request.user)

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
