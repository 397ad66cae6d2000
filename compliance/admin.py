"""
Admin for the compliance workspace. Findings, samples and complaints change only through
``compliance.services`` (ServiceForm); the access log and the audit ledger are read-only
for everyone and never deleted. Two buttons: run the scan now, verify the audit chain.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import NoReverseMatch, path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.admin import CaseServiceAdminMixin
from cases.selectors import visible_borrowers, visible_cases
from contacts.models import ContactAttempt
from core.adminkit import HistoryAdmin, ServiceForm, confirm_job_page
from core.jobqueue import JobAlreadyQueued, queue_run
from core.jobs import run_job

from . import services
from .dossier import admin_url
from .models import Complaint, Finding, ReviewSample


def dossier_link(case):
    """The case's dossier in the workspace (the case page until the workspace is routed)."""
    if case is None:
        return "—"
    label = f"{case.pk} · {case.account.loan_number}"
    try:
        url = reverse("compliance:dossier", args=[case.pk])
    except NoReverseMatch:
        url = reverse("admin:cases_collectioncase_change", args=[case.pk])
    return format_html('<a href="{}">{}</a>', url, label)


# --- findings ---------------------------------------------------------------------------------


class ManualFindingForm(ServiceForm):
    class Meta:
        model = Finding
        fields = ["severity", "case", "agent", "summary"]

    def call_service(self, data):
        return services.raise_finding(
            by=self.request_user,
            severity=data["severity"],
            summary=data["summary"],
            case=data.get("case"),
            agent=data.get("agent"),
        )


class FindingDecisionForm(ServiceForm):
    decision = forms.ChoiceField(
        choices=[
            ("confirm", gettext_lazy("Confirm: a rule was bent")),
            ("dismiss", gettext_lazy("Dismiss (say why below)")),
        ],
        widget=forms.RadioSelect,
    )

    class Meta:
        model = Finding
        fields = ["review_note"]

    def call_service(self, data):
        if data["decision"] == "confirm":
            return services.confirm_finding(self.instance, by=self.request_user, note=data.get("review_note", ""))
        return services.dismiss_finding(self.instance, by=self.request_user, reason=data.get("review_note", ""))


class RunButtonsMixin:
    """POST-only buttons on a change list, each behind its own permission."""

    def _post_with(self, request, perm):
        if request.method != "POST" or not request.user.has_perm(perm):
            raise PermissionDenied

    def run_scan(self, request):
        """GET: what the scan does, and a button; POST: run it now, unless a run of it is
        queued or running already (a double click, two reviewers at once)."""
        if not request.user.has_perm("compliance.run_compliance_scan"):
            raise PermissionDenied
        changelist = "admin:compliance_finding_changelist"
        if request.method != "POST":
            return confirm_job_page(
                self,
                request,
                job="compliance_scan",
                title=_("Run scan now"),
                explanation=_(
                    "The scan reads the last weeks of contacts, visits and complaints for patterns a reviewer "
                    "should look at (contacts after repayment, repeated refusals, overrides, caps nearly hit, "
                    "third parties, visits without a report, open complaints) and opens a finding for each one "
                    "not raised before. Reviewers are notified of the new findings. It runs now, while you wait."
                ),
                back=changelist,
            )
        try:
            queued = queue_run("compliance_scan", by=request.user)
        except JobAlreadyQueued as refusal:
            messages.error(request, str(refusal))
            return redirect(changelist)
        run = run_job("compliance_scan", trigger="admin", by=request.user, queued=queued.pk)
        messages.success(request, _("Scan done: %(value)s new finding(s).") % {"value": run.counts["created"]})
        return redirect(changelist)

    def verify_chain(self, request):
        self._post_with(request, "audit.verify_audit_chain")
        report = services.check_audit_chain(by=request.user)
        messages.add_message(request, messages.SUCCESS if report.ok else messages.ERROR, report.summary())
        listing = "auditledger" if request.POST.get("back") == "ledger" else "finding"
        return redirect(
            "admin:audit_auditledger_changelist" if listing == "auditledger" else "admin:compliance_finding_changelist"
        )


@admin.register(Finding)
class FindingAdmin(RunButtonsMixin, CaseServiceAdminMixin, HistoryAdmin):
    list_display = ["detected_at", "severity", "rule", "status", "case_dossier", "agent", "summary_shown", "reviewer"]
    list_filter = ["status", "severity", "rule"]
    list_select_related = ["case__account", "agent", "reviewer"]
    search_fields = ["=case__account__loan_number", "summary"]
    date_hierarchy = "detected_at"
    autocomplete_fields = ["case", "agent"]
    change_list_template = "compliance/admin/finding_change_list.html"
    shown = [
        "rule",
        "severity",
        "status",
        "case_dossier",
        "borrower",
        "agent",
        "summary_shown",
        "evidence_links",
        "detected_at",
        "raised_by",
        "reviewer",
        "reviewed_at",
        "review_note",
    ]

    def get_urls(self):
        return [
            path("run-scan/", self.admin_site.admin_view(self.run_scan), name="compliance_finding_run_scan"),
            path(
                "verify-chain/", self.admin_site.admin_view(self.verify_chain), name="compliance_finding_verify_chain"
            ),
            *super().get_urls(),
        ]

    def _decidable(self, request, obj) -> bool:
        return (
            obj is not None and obj.status == Finding.Status.OPEN and request.user.has_perm("compliance.change_finding")
        )

    def get_fields(self, request, obj=None):
        if obj is None:
            return ManualFindingForm.Meta.fields
        return self.shown + (["decision"] if self._decidable(request, obj) else [])

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return [name for name in self.shown if name != "review_note" or not self._decidable(request, obj)]

    def get_form(self, request, obj=None, **kwargs):
        kwargs["form"] = FindingDecisionForm if obj is not None else ManualFindingForm
        return super().get_form(request, obj, **kwargs)

    def has_change_permission(self, request, obj=None):
        # A decided finding stays as decided; the change page becomes a view page.
        if obj is not None and obj.status != Finding.Status.OPEN:
            return False
        return super().has_change_permission(request, obj)

    @admin.display(description=gettext_lazy("case"), ordering="case")
    def case_dossier(self, obj):
        return dossier_link(obj.case)

    @admin.display(description=gettext_lazy("summary"))
    def summary_shown(self, obj):
        # Worded from the finding's code and parameters in the reader's language; a
        # reviewer's own finding as they typed it.
        return obj.summary_text

    @admin.display(description=gettext_lazy("evidence"))
    def evidence_links(self, obj):
        def item(evidence, label):
            url = admin_url(evidence.get("model", "x.x"), evidence.get("id"))
            return format_html('<a href="{}">{}</a>', url, label) if url else label

        return format_html(
            "<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((item(e, label),) for e, label in obj.evidence_labels))
        )


# --- review samples -----------------------------------------------------------------------------


class QueueSampleForm(ServiceForm):
    class Meta:
        model = ReviewSample
        fields = ["case", "agent"]

    def call_service(self, data):
        return services.queue_sample(data["case"], by=self.request_user, agent=data.get("agent"))


class SampleReviewForm(ServiceForm):
    class Meta:
        model = ReviewSample
        fields = [name for name, _ in ReviewSample.CHECKLIST] + ["verdict", "note"]
        labels = dict(ReviewSample.CHECKLIST)

    def call_service(self, data):
        answers = {name: data.get(name) for name, _ in ReviewSample.CHECKLIST}
        return services.record_sample_review(
            self.instance, by=self.request_user, answers=answers, verdict=data["verdict"], note=data.get("note", "")
        )


@admin.register(ReviewSample)
class ReviewSampleAdmin(CaseServiceAdminMixin, HistoryAdmin):
    list_display = ["week", "agent", "case_dossier", "verdict", "reviewer", "reviewed_at"]
    list_filter = ["verdict", "week"]
    list_select_related = ["agent", "case__account", "reviewer"]
    search_fields = ["=case__account__loan_number", "agent__username"]
    autocomplete_fields = ["case", "agent"]
    context = ["case_dossier", "agent", "week", "reviewer", "reviewed_at"]

    def get_fields(self, request, obj=None):
        return QueueSampleForm.Meta.fields if obj is None else self.context + SampleReviewForm.Meta.fields

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return self.context + ([] if self.has_change_permission(request, obj) else SampleReviewForm.Meta.fields)

    def get_form(self, request, obj=None, **kwargs):
        kwargs["form"] = SampleReviewForm if obj is not None else QueueSampleForm
        return super().get_form(request, obj, **kwargs)

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.verdict != ReviewSample.Verdict.PENDING:
            return False
        return super().has_change_permission(request, obj)

    @admin.display(description=gettext_lazy("case"), ordering="case")
    def case_dossier(self, obj):
        return dossier_link(obj.case)


# --- complaints ---------------------------------------------------------------------------------


class ComplaintForm(ServiceForm):
    place_hold = forms.BooleanField(
        required=False,
        label=gettext_lazy("Stop the case while it is investigated"),
        help_text=gettext_lazy("Places a complaint-investigation hold on the case."),
    )
    hold_note = forms.CharField(
        label=gettext_lazy("Hold note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    class Meta:
        model = Complaint
        fields = ["borrower", "case", "channel", "category", "received_at", "description", "attempts", "agent"]

    def call_service(self, data):
        return services.record_complaint(
            by=self.request_user,
            borrower=data["borrower"],
            case=data.get("case"),
            channel=data["channel"],
            category=data["category"],
            received_at=data.get("received_at"),
            description=data["description"],
            attempts=data.get("attempts") or [],
            agent=data.get("agent"),
            place_hold=data.get("place_hold", False),
            hold_note=data.get("hold_note", ""),
        )


class ResolveComplaintForm(ServiceForm):
    class Meta:
        model = Complaint
        fields = ["resolution"]

    def call_service(self, data):
        return services.resolve_complaint(self.instance, by=self.request_user, resolution=data["resolution"])


@admin.register(Complaint)
class ComplaintAdmin(CaseServiceAdminMixin, HistoryAdmin):
    list_display = ["received_at", "category", "channel", "borrower", "case_dossier", "agent", "is_open", "hold"]
    list_filter = ["category", "channel", ("resolved_at", admin.EmptyFieldListFilter)]
    list_select_related = ["borrower", "case__account", "agent", "hold"]
    search_fields = ["=case__account__loan_number", "borrower__full_name"]
    autocomplete_fields = ["borrower", "case", "agent", "attempts"]
    date_hierarchy = "received_at"
    context = [
        "borrower",
        "case_dossier",
        "channel",
        "category",
        "received_at",
        "description",
        "attempts",
        "agent",
        "hold",
        "recorded_by",
        "recorded_at",
        "resolved_at",
        "resolved_by",
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(borrower__in=visible_borrowers(request.user))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "borrower":
            kwargs["queryset"] = visible_borrowers(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "attempts":
            kwargs["queryset"] = ContactAttempt.objects.filter(case__in=visible_cases(request.user))
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ComplaintForm.Meta.fields + ["place_hold", "hold_note"]
        return self.context + ["resolution"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return self.context + ([] if self.has_change_permission(request, obj) else ["resolution"])

    def get_form(self, request, obj=None, **kwargs):
        kwargs["form"] = ResolveComplaintForm if obj is not None else ComplaintForm
        return super().get_form(request, obj, **kwargs)

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.resolved_at is not None:
            return False
        return super().has_change_permission(request, obj)

    @admin.display(boolean=True, description=gettext_lazy("open"))
    def is_open(self, obj):
        return obj.is_open

    @admin.display(description=gettext_lazy("case"), ordering="case")
    def case_dossier(self, obj):
        return dossier_link(obj.case)


from . import admin_records  # noqa: E402,F401  (the access log and the audit ledger)
