"""
Admin for the collection case: its page (summary, contact timeline, the state buttons
that go through ``services.apply_transition``, the transitions blocked now and why),
the read-only inlines of its holds, promises and plans, and its event history.

A collector gets a 404 for someone else's case, not just a hidden link; opening a case
page is logged (compliance access log).
"""

from urllib.parse import quote

from django import forms
from django.contrib import admin, messages
from django.db.models import F
from django.http import Http404
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _
from django_fsm.admin import FSMAdminMixin

from audit.services import log_pii_access
from core.adminkit import HistoryAdmin, ReadOnlyInline, remember_viewer, viewer
from core.exceptions import ServiceError
from core.money import format_money
from core.paginators import DeferredJoinPaginator, EstimatedCountPaginator

from .. import event_text, limitation_text, selectors, services
from ..models import CaseEvent, CaseState, CollectionCase, Hold, PromiseToPay, RepaymentPlan
from ..search import search_cases
from .access import can_see_full_contact_details, can_see_full_national_id, log_identifier_search
from .arrangements import why_beyond_policy
from .assignment import AssignmentAdminMixin
from .export import CaseExportMixin
from .forbearance import ForbearanceInline


class HoldInline(ReadOnlyInline):
    model = Hold
    fields = ["kind", "starts_at", "ends_at", "note", "evidence", "placed_by", "released_at", "released_by"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("placed_by", "released_by")


class PromiseInline(ReadOnlyInline):
    model = PromiseToPay
    fields = ["amount", "currency", "due_date", "status", "created_by", "created_at"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("created_by")


class RepaymentPlanInline(ReadOnlyInline):
    model = RepaymentPlan
    fields = [
        "status",
        "total_amount",
        "currency",
        "beyond_policy",
        "beyond_policy_reasons_text",
        "created_by",
        "approved_by",
        "rejected_by",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("created_by", "approved_by", "rejected_by")

    @admin.display(description=_("why beyond policy"))
    def beyond_policy_reasons_text(self, plan):
        return why_beyond_policy(plan)


# List filters whose cases lie in a band of days past due (the ladder climbs by DPD).
BUNCHED_BY_DAYS_PAST_DUE = ("state__exact", "ladder_rung__exact")


def _bunched_by_days_past_due(request) -> bool:
    return any(request.GET.get(name) for name in BUNCHED_BY_DAYS_PAST_DUE)


def works_from_the_desk(user) -> bool:
    """Collectors: they log contacts and cannot reassign cases."""
    return user.has_perm("contacts.add_contactattempt") and not user.has_perm("cases.assign_case")


class CollectionCaseForm(forms.ModelForm):
    class Meta:
        model = CollectionCase
        fields = ["assigned_collector"]


@admin.register(CollectionCase)
class CollectionCaseAdmin(AssignmentAdminMixin, CaseExportMixin, FSMAdminMixin, HistoryAdmin):
    fsm_fields = ["state"]

    @staticmethod
    def get_fsm_block_label(fsm_field_name: str) -> str:
        return _("Next step on the ladder")

    form = CollectionCaseForm
    change_form_template = "admin/cases/collectioncase/change_form.html"
    change_list_template = "admin/cases/collectioncase/change_list.html"
    list_display = [
        "id",
        "loan_number",
        "borrower_name",
        "state",
        "days_past_due",
        "outstanding",
        "assigned_collector",
        "state_changed_at",
    ]
    list_filter = ["state", "ladder_rung", "account__borrower__policy_profile_code", "account__currency"]
    list_select_related = ["account__borrower", "assigned_collector"]
    # Searched by cases.search (each kind of term on its own index), not by these fields;
    # they only make the admin show the search box.
    search_fields = ["=account__loan_number"]
    search_help_text = _("A loan number, a phone number, a national ID, or the start of the borrower's name.")
    autocomplete_fields = ["assigned_collector"]
    fields = [
        "summary",
        "state",
        "ladder_rung",
        "assigned_collector",
        "opened_at",
        "state_changed_at",
        "closed_at",
        "written_notice_sent_at",
        "timeline",
    ]
    inlines = [HoldInline, PromiseInline, RepaymentPlanInline, ForbearanceInline]

    # Apps built on the case book add their own inlines here (visits/admin.py adds the
    # field visits), so this page knows nothing of them.
    ordering = ["-account__days_past_due", "id"]
    # The order is the account's: a page's keys are found on indexes first (filtered by
    # state, 200,000 cases of a million would otherwise be read whole to keep 100).
    paginator = DeferredJoinPaginator

    def get_ordering(self, request):
        """The same order. Filtered by rung, though, PostgreSQL would walk the accounts by
        days past due hoping to meet the rung's cases early (it assumes they are spread
        evenly; a rung's cases are bunched by DPD, so a page read 400,000 accounts at 1M,
        ~8 s). Ordered by an expression no index gives, it joins the rung's cases once.
        Unfiltered, the walk is the right plan (first page at once)."""
        if _bunched_by_days_past_due(request):
            return [(F("account__days_past_due") + 0).desc(), "id"]
        return super().get_ordering(request)

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        """Filtered by rung, the join is best read in account order from two indexes
        (``case_state_account`` and ``account_priority``: a merge join, or index probes for a
        small rung), but the planner picks a hash join over the whole accounts table, two to
        three times slower (at 1M, 200,000 cases on the phone rung: ~520-650 ms against
        ~200-340 ms; the written-notice rung, 390,000: ~490-560 against ~215 ms). Hash joins
        are switched off for that one query."""
        settings = {"enable_hashjoin": "off"} if _bunched_by_days_past_due(request) else None
        return self.paginator(queryset, per_page, orphans, allow_empty_first_page, planner_settings=settings)

    def get_queryset(self, request):
        return selectors.visible_cases(request.user).select_related("account__borrower", "assigned_collector")

    def get_search_results(self, request, queryset, search_term):
        log_identifier_search(request, search_term, selectors.visible_borrowers(request.user))
        return search_cases(queryset, search_term), False

    def get_readonly_fields(self, request, obj=None):
        readonly = [field for field in self.fields if field != "assigned_collector"]
        if not request.user.has_perm("cases.assign_case") or (obj is not None and not obj.is_open):
            readonly.append("assigned_collector")
        return readonly

    def has_add_permission(self, request):
        # Cases are opened by the nightly cycle and the loan feed (services.open_case).
        return False

    @admin.display(description=_("loan"), ordering="account__loan_number")
    def loan_number(self, obj):
        return obj.account.loan_number

    @admin.display(description=_("borrower"), ordering="account__borrower__full_name")
    def borrower_name(self, obj):
        return obj.account.borrower.full_name

    @admin.display(description=_("DPD"), ordering="account__days_past_due")
    def days_past_due(self, obj):
        return obj.account.days_past_due

    @admin.display(description=_("outstanding"))
    def outstanding(self, obj):
        return format_money(obj.account.outstanding_total, obj.account.currency)

    @admin.display(description=_("case summary"))
    def summary(self, obj):
        account = obj.account
        borrower = account.borrower
        user = viewer()
        return render_to_string(
            "admin/cases/collectioncase/summary.html",
            {
                "case": obj,
                "account": account,
                "borrower": borrower,
                "national_id": borrower.national_id if can_see_full_national_id(user) else borrower.national_id_masked,
                "contact_points": [
                    (point, point.value if can_see_full_contact_details(user) else point.masked_value)
                    for point in borrower.contact_points.all()
                ],
                "payments": account.payments.all()[:5],
                "profile": obj.policy_profile,
                "limitation": limitation_text.describe(
                    account.limitation(obj.policy_profile), today=timezone.localdate()
                ),
            },
        )

    @admin.display(description=_("contact timeline"))
    def timeline(self, obj):
        return render_to_string("contacts/_timeline.html", {"timeline": selectors.case_timeline(obj)})

    def get_object(self, request, object_id, from_field=None):
        """One fetch per request (the change view and the FSM mixin both ask), 404 when
        the case is not in this user's book."""
        remember_viewer(request)
        cache = request.__dict__.setdefault("_case_cache", {})
        if object_id not in cache:
            try:
                cache[object_id] = (
                    self.get_queryset(request)
                    .prefetch_related("account__borrower__contact_points")
                    .get(pk=int(object_id))
                )
            except (CollectionCase.DoesNotExist, ValueError):
                raise Http404(_("No such case, or not yours to see.")) from None
            if request.method == "GET":
                cache[object_id].remember_guard_facts()
        return cache[object_id]

    def changelist_view(self, request, extra_context=None):
        if works_from_the_desk(request.user):
            # The collector's list of cases is the queue (its search finds any of theirs).
            query = f"?q={quote(request.GET['q'])}" if request.GET.get("q") else ""
            return redirect(reverse("desk:queue") + query)
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        case = self.get_object(request, object_id)
        if works_from_the_desk(request.user):
            # A collector works the case on the desk (the staff screens' app), never on
            # this model page with its save bar.
            return redirect("desk:case", case.pk)
        # Whoever opens a borrower's personal data is on record (compliance access log).
        log_pii_access(request.user, case.account.borrower, "case page", request, case=case)
        extra_context = extra_context or {}
        extra_context["blocked_transitions"] = self._blocked_transitions(request, case)
        return super().change_view(request, object_id, form_url, extra_context)

    def _blocked_transitions(self, request, case):
        """Transitions this user could take from here but whose guards fail now, with why."""
        available = {t.name for t in case.get_available_state_transitions()}
        blocked = []
        for candidate in case.get_all_state_transitions():
            if candidate.source != case.state or candidate.name in available:
                continue
            if not self.is_fsm_transition_visible(candidate) or not candidate.has_perm(case, request.user):
                continue
            failed = [r for r in (c.evaluate(case) for c in candidate.conditions) if not r.passed]
            blocked.append({"label": self.get_fsm_label(candidate), "reasons": [r.explanation for r in failed]})
        return blocked

    def save_model(self, request, obj, form, change):
        if "assigned_collector" in form.changed_data:
            services.assign_case(
                CollectionCase.objects.get(pk=obj.pk), form.cleaned_data["assigned_collector"], by=request.user
            )

    def _apply_fsm_transition(self, *, obj, transition_name, request, kwargs=None):
        """Buttons go through the service: permission, guards, lock and the case event."""
        reason = (kwargs or {}).get("reason", "")
        try:
            services.apply_transition(obj, transition_name, by=request.user, reason=reason)
        except ServiceError as refusal:
            self.message_user(request, str(refusal), level=messages.ERROR)
            return False
        self.message_user(
            request,
            _("%(transition_label)s: case is now %(state)s.")
            % {"transition_label": services.transition_label(transition_name), "state": obj.get_state_display()},
            level=messages.SUCCESS,
        )
        return True


class ToStateFilter(admin.SimpleListFilter):
    title = _("to")
    parameter_name = "to_state"

    def lookups(self, request, model_admin):
        return CaseState.choices

    def queryset(self, request, queryset):
        return queryset.filter(to_state=self.value()) if self.value() else queryset


@admin.register(CaseEvent)
class CaseEventAdmin(admin.ModelAdmin):
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    # What happened is written from the event's code in the reader's language; "reason" is
    # what a person typed, as typed (cases/event_text.py).
    list_display = ["at", "case", "kind", "actor", "from_label", "to_label", "description"]
    list_filter = ["kind", ToStateFilter]
    fields = [
        "at",
        "case",
        "kind",
        "actor",
        "transition_label",
        "from_label",
        "to_label",
        "description",
        "reason",
        "rules_checked",
        "profile_label",
    ]
    readonly_fields = fields
    list_select_related = ["case__account", "actor"]
    search_fields = ["=case__account__loan_number"]
    date_hierarchy = "at"

    def get_queryset(self, request):
        return super().get_queryset(request).filter(case__in=selectors.visible_cases(request.user))

    def get_object(self, request, object_id, from_field=None):
        # Someone else's case event: "not found", like every other page of that case.
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404("No such record, or not yours to see.")
        return obj

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("from"))
    def from_label(self, obj):
        return event_text.state_label(obj.from_state)

    @admin.display(description=_("to"))
    def to_label(self, obj):
        return event_text.state_label(obj.to_state)

    @admin.display(description=_("what happened"))
    def description(self, obj):
        return event_text.describe(obj)

    @admin.display(description=_("rules checked"))
    def rules_checked(self, obj):
        lines = event_text.checked_rules(obj, currency=obj.case.account.currency, evidence=True)
        return format_html_join("", "<div>{}</div>", ((line,) for line in lines)) or "—"

    @admin.display(description=_("step"))
    def transition_label(self, obj):
        return services.transition_label(obj.transition) if hasattr(CollectionCase, obj.transition or "") else "—"
