"""Staff pages of the case book outside the admin: the loan feed import (the upload form
and the page that follows the import on its worker; reading and the rules live in
cases.imports), and the download of a hold's evidence."""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.services import log_pii_access
from core.models import JobRun
from core.progress import read_progress
from core.uploads import attachment

from .imports import ACCOUNT_COLUMNS, ACCOUNT_REQUIRED, PAYMENT_COLUMNS
from .imports.background import may_import, start_import
from .imports.feed import KINDS, failure_text
from .imports.messages import stored_error_text
from .models import Hold
from .selectors import visible_cases

IMPORT_JOBS = [job for job, *_rest in KINDS.values()]


class ImportFeedForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("The file holds"),
        choices=[("accounts", gettext_lazy("Accounts and balances")), ("payments", gettext_lazy("Payments"))],
        widget=forms.RadioSelect,
        initial="accounts",
    )
    file = forms.FileField(
        label=gettext_lazy("CSV file"), help_text=gettext_lazy("UTF-8, with the column names on the first line.")
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.IMPORT_MAX_UPLOAD_MB
        if upload.size > limit * 1024 * 1024:
            raise forms.ValidationError(
                _(
                    "This file is %(size)s MB; the largest file accepted is %(limit)s MB. Split it into "
                    "smaller files, each with the header line, and import them one after another."
                )
                % {"size": f"{upload.size / 1024 / 1024:.1f}", "limit": limit}
            )
        return upload


def import_feed(request):
    if not may_import(request.user):
        raise PermissionDenied(_("Importing the loan feed needs permission to add loan accounts."))
    form = ImportFeedForm(request.POST, request.FILES) if request.method == "POST" else ImportFeedForm()
    if form.is_bound and form.is_valid():
        run = start_import(form.cleaned_data["file"], form.cleaned_data["kind"], by=request.user)
        if run.status == JobRun.Status.FAILED:
            messages.error(request, failure_text(run))
        return redirect("cases:import_progress", run_id=run.pk)
    context = {
        **admin.site.each_context(request),
        "title": _("Import the loan feed"),
        "form": form,
        "limit_mb": settings.IMPORT_MAX_UPLOAD_MB,
        "recent": JobRun.objects.filter(job__in=IMPORT_JOBS).select_related("started_by")[:10],
        "account_columns": ACCOUNT_COLUMNS,
        "account_required": ACCOUNT_REQUIRED,
        "payment_columns": PAYMENT_COLUMNS,
    }
    return render(request, "cases/import_feed.html", context)


def import_progress(request, run_id: int):
    """Where an import stands: a progress bar while it runs (the page refreshes itself),
    then what it imported, or every problem by line and column."""
    if not may_import(request.user):
        raise PermissionDenied(_("Importing the loan feed needs permission to add loan accounts."))
    run = get_object_or_404(JobRun.objects.select_related("started_by"), pk=run_id, job__in=IMPORT_JOBS)
    running = run.status == JobRun.Status.RUNNING
    progress = read_progress(run.details.get("progress_key", "")) if running else None
    lines = run.details.get("lines") or 0
    errors = [stored_error_text(entry) for entry in run.details.get("errors", [])]
    context = {
        **admin.site.each_context(request),
        "title": _("Import of %(file)s") % {"file": run.details.get("file") or _("the loan feed")},
        "run": run,
        "running": running,
        "phase": (progress or {}).get("phase", "queued"),
        "done": (progress or {}).get("done", 0),
        "lines": lines,
        "percent": _percent(progress),
        "errors": errors,
        "more_errors": max(run.counts.get("errors", 0) - len(errors), 0),
        "kind": run.details.get("kind", "accounts"),
    }
    return render(request, "cases/import_progress.html", context)


def _percent(progress: dict | None) -> int:
    """Checking is the first half of the bar, writing the second."""
    if not progress or not progress.get("total"):
        return 0
    share = min(progress["done"] / progress["total"], 1.0)
    return int(50 * share + (50 if progress["phase"] == "writing" else 0))


def hold_file(request, hold_id: int, field: str):
    """A hold's evidence (a medical note, a dismissal letter…), as a download, to whoever may
    see holds and the case (404 otherwise, as for the hold itself); each one is on the
    personal-data access log."""
    if not request.user.has_perm("cases.view_hold"):
        raise PermissionDenied
    holds = Hold.objects.filter(case__in=visible_cases(request.user)).select_related("case__account__borrower")
    hold = get_object_or_404(holds, pk=hold_id)
    if field != "evidence" or not hold.evidence:
        raise Http404(_("No such file."))
    log_pii_access(request.user, hold.case.account.borrower, "hold evidence", request, case=hold.case)
    return attachment(hold.evidence, filename=f"hold-{hold.pk}-evidence")
