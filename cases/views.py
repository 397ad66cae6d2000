"""Staff page for the loan feed import. Thin: reading and the rules live in cases.imports."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .imports import ACCOUNT_COLUMNS, ACCOUNT_REQUIRED, PAYMENT_COLUMNS, import_csv


class ImportFeedForm(forms.Form):
    kind = forms.ChoiceField(
        choices=[("accounts", "Accounts and balances"), ("payments", "Payments")],
        widget=forms.RadioSelect,
        initial="accounts",
    )
    file = forms.FileField(
        label=gettext_lazy("CSV file"), help_text=gettext_lazy("UTF-8, with the column names on the first line.")
    )


def import_feed(request):
    # Both kinds change balances, so both need the right to create accounts.
    if not request.user.has_perm("cases.add_loanaccount"):
        raise PermissionDenied(_("Importing the loan feed needs permission to add loan accounts."))
    form = ImportFeedForm(request.POST, request.FILES) if request.method == "POST" else ImportFeedForm()
    result = None
    if form.is_bound and form.is_valid():
        kind = form.cleaned_data["kind"]
        result = import_csv(form.cleaned_data["file"], kind, by=request.user, trigger="admin")
        if result.ok:
            messages.success(request, _summary(kind, result))
            return redirect("admin:cases_loanaccount_changelist")
    context = {
        **admin.site.each_context(request),
        "title": _("Import the loan feed"),
        "form": form,
        "result": result,
        "account_columns": ACCOUNT_COLUMNS,
        "account_required": ACCOUNT_REQUIRED,
        "payment_columns": PAYMENT_COLUMNS,
    }
    return render(request, "cases/import_feed.html", context)


def _summary(kind: str, result) -> str:
    if kind == "payments":
        return f"Payments imported: {result.created} recorded, {result.unchanged} already recorded (ignored)."
    return f"Accounts imported: {result.created} created, {result.updated} updated."
