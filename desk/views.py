"""The collector's pages: the worklist and the case desk, whose actions open in place and
post back here. Thin: the rules live in the domain services; a refusal comes back as a
sentence on the form that caused it, with the desk as it was."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from audit.services import log_pii_access
from cases import services as case_services
from cases.admin.access import log_identifier_search
from cases.models import CaseState, CollectionCase
from cases.search import search_cases
from cases.selectors import borrower_zone, visible_borrowers, visible_cases
from contacts import services as contact_services
from contacts.callbacks import CallbackError, CallbackRefused, next_callback_slots
from contacts.models import ContactAttempt
from core.exceptions import NotPermitted, ServiceError
from policy.selectors import current_profiles_by_code
from visits import services as visit_services
from visits.forms import RequestVisitForm

from . import casepage, plans, queue
from .audience import works_a_queue
from .forms import FOLLOW_UP, FOLLOW_UP_HOLD_KIND, HoldForm, LogCallForm, PromiseForm, StepForm


def _for_collectors(request):
    if not works_a_queue(request.user):
        raise PermissionDenied


def work_queue(request):
    _for_collectors(request)
    term = request.GET.get("q", "").strip()
    filters = {key: request.GET.get(key, "") for key in ("profile", "state", "bucket")}
    if term:
        found = search_cases(visible_cases(request.user), term).select_related("account__borrower")[:50]
        log_identifier_search(request, term, visible_borrowers(request.user))
        context = {"term": term, "found": list(found)}
    else:
        page = request.GET.get("page", "1")
        work = queue.work_queue(
            request.user,
            section=request.GET.get("section", "phone_now"),
            page=int(page) if page.isdigit() else 1,
            filters={key: value for key, value in filters.items() if value},
        )
        context = {
            "queue": work,
            "first_case": queue.first_to_call(work),
        }
    context.update(
        {
            **admin.site.each_context(request),
            "title": _("My work queue"),
            "filters": filters,
            "profiles": sorted(current_profiles_by_code().values(), key=lambda p: p.code),
            "states": [(s.value, s.label) for s in CaseState if s in queue.WORKABLE],
            "buckets": queue.BUCKET_LABELS,
        }
    )
    return render(request, "desk/queue.html", context)


def _case(request, case_id) -> CollectionCase:
    try:
        return casepage.load_case(request.user, case_id)
    except CollectionCase.DoesNotExist:
        # Someone else's case and a missing one look the same.
        raise Http404(_("No such case, or not yours to see.")) from None


def _desk(request, case, *, forms=None, open_form="", status=200):
    """The case desk, with any form the person just sent (and its errors) open in place."""
    log_pii_access(request.user, case.account.borrower, "case desk", request, case=case)
    context = casepage.case_desk(case, request.user)
    zone = borrower_zone(case)
    show = casepage.show_point_for(request.user)
    points = list(case.account.borrower.contact_points.all())
    forms = forms or {}
    follow = _follow_up(request, case)
    note = follow.note if follow else ""
    forms.setdefault(
        "log",
        LogCallForm(
            points=points,
            show_point=show,
            zone=zone,
            can_override=request.user.has_perm("contacts.override_contact_policy"),
            preselect=context["preselect"],
        ),
    )
    forms.setdefault("promise", PromiseForm(prefix="promise", initial={"note": note}))
    forms.setdefault(
        "plan", plans.PlanForm(prefix="plan", initial={"note": note, "total": case.account.outstanding_total})
    )
    hold_kind = FOLLOW_UP_HOLD_KIND.get(follow.outcome) if follow else None
    forms.setdefault("hold", HoldForm(prefix="hold", zone=zone, initial={"note": note, "kind": hold_kind}))
    forms.setdefault("visit", RequestVisitForm(prefix="visit", zone=zone))
    forms.setdefault("step", StepForm())
    if not open_form and follow:
        open_form = FOLLOW_UP.get(follow.outcome, "")
    can_override = request.user.has_perm("contacts.override_contact_policy")
    context.update(
        {
            **admin.site.each_context(request),
            "title": str(case.account.borrower.full_name),
            # The log form shows when some contact is allowed now, or a supervisor may
            # override every refusal of one; else the desk says why there is none.
            "show_log": bool(forms["log"].errors)
            or context["any_allowed"]
            or (can_override and any(line.decision.overridable for line in context["banner"])),
            "forms": forms,
            "open": open_form or request.GET.get("open", ""),
            "borrower_zone": zone,
            "now": timezone.now(),
            "plan_limits": plans.limits(case),
            "may": {
                "log": request.user.has_perm("contacts.add_contactattempt") and case.is_open,
                "promise": request.user.has_perm("cases.add_promisetopay") and case.is_open,
                "plan": request.user.has_perm("cases.add_repaymentplan") and case.is_open,
                "hold": request.user.has_perm("cases.place_hold") and case.is_open,
                "visit": request.user.has_perm("visits.add_fieldvisit") and case.is_open,
            },
        }
    )
    return render(request, "desk/case.html", context, status=status)


def _follow_up(request, case):
    """The call that led here (``?from=<attempt>``), whose note the next form carries over."""
    attempt_id = request.GET.get("from", "")
    if not attempt_id.isdigit():
        return None
    return ContactAttempt.objects.filter(pk=int(attempt_id), case=case).only("outcome", "note").first()


def case_desk(request, case_id):
    return _desk(request, _case(request, case_id))


@require_POST
def log_contact(request, case_id):
    case = _case(request, case_id)
    form = LogCallForm(
        request.POST,
        points=list(case.account.borrower.contact_points.all()),
        show_point=casepage.show_point_for(request.user),
        zone=borrower_zone(case),
        can_override=request.user.has_perm("contacts.override_contact_policy"),
    )
    if not form.is_valid():
        return _desk(request, case, forms={"log": form}, open_form="log", status=400)
    data = form.cleaned_data
    try:
        attempt = contact_services.record_attempt(
            case,
            data["channel"],
            data["outcome"],
            by=request.user,
            contact_point=data["contact_point"],
            conversation=data["conversation"],
            note=data["note"],
            overridden_by=request.user if data.get("override_reason") else None,
            override_reason=data.get("override_reason", ""),
            callback_at=data["callback_at"],
        )
    except NotPermitted:
        # Not this person's to do (a role without the permission): refused, not a conflict.
        raise PermissionDenied from None
    except contact_services.ContactBlocked as blocked:
        form.add_error(None, _("Not logged as made: the rules refuse this contact now, and the refusal was recorded."))
        form.add_error(None, blocked.decision.explain())
        return _desk(request, _case(request, case_id), forms={"log": form}, open_form="log", status=409)
    except CallbackRefused as refused:
        form.add_error("callback_at", str(refused))
        form.offered = next_callback_slots(case, refused.next_allowed_at, contact_point=data["contact_point"])
        return _desk(request, case, forms={"log": form}, open_form="log", status=409)
    except (CallbackError, ServiceError) as refusal:
        form.add_error(None, str(refusal))
        return _desk(request, case, forms={"log": form}, open_form="log", status=409)
    messages.success(
        request,
        _("%(channel)s logged: %(outcome)s.")
        % {"channel": attempt.get_channel_display(), "outcome": attempt.get_outcome_display()},
    )
    if data["outcome"] in FOLLOW_UP:
        return redirect(f"{reverse('desk:case', args=[case.pk])}?from={attempt.pk}#{FOLLOW_UP[data['outcome']]}")
    if "next" in request.POST:
        following = queue.next_case_after(request.user, case.pk)
        if following is None:
            messages.info(request, _("Everyone you may phone now has had a call today: the pass is done."))
            return redirect("desk:queue")
        return redirect("desk:case", following)
    return redirect("desk:case", case.pk)


def _service_form(request, case, name, form, call):
    """Validate ``form``, call the service, and come back to the desk either way."""
    if form.is_valid():
        try:
            message = call(case, form.cleaned_data)
        except NotPermitted:
            raise PermissionDenied from None
        except ServiceError as refusal:
            form.add_error(getattr(refusal, "field", None), str(refusal))
        else:
            messages.success(request, message)
            return redirect("desk:case", case.pk)
    return _desk(request, case, forms={name: form}, open_form=name, status=400)


@require_POST
def promise(request, case_id):
    def call(case, data):
        made = case_services.record_promise(case, data["amount"], data["due_date"], by=request.user, note=data["note"])
        return _("Promise recorded: %(promise)s.") % {"promise": made}

    return _service_form(request, _case(request, case_id), "promise", PromiseForm(request.POST, prefix="promise"), call)


@require_POST
def plan(request, case_id):
    form = plans.PlanForm(request.POST, prefix="plan")
    if "preview" in request.POST:
        case = _case(request, case_id)
        if form.is_valid():
            try:
                form.preview = plans.preview(case, form.cleaned_data)
            except ServiceError as refusal:
                form.add_error(None, str(refusal))
        return _desk(request, case, forms={"plan": form}, open_form="plan", status=400 if form.errors else 200)

    def call(case, data):
        return plans.agree(case, data, by=request.user)

    return _service_form(request, _case(request, case_id), "plan", form, call)


@require_POST
def hold(request, case_id):
    case = _case(request, case_id)
    form = HoldForm(request.POST, request.FILES, prefix="hold", zone=borrower_zone(case))

    def call(case, data):
        placed = case_services.place_hold(
            case, data["kind"], by=request.user, until=data["until"], note=data["note"], evidence=data["evidence"]
        )
        return _("Hold placed: %(hold)s. Collection stops until it is released.") % {"hold": placed}

    return _service_form(request, case, "hold", form, call)


@require_POST
def visit(request, case_id):
    case = _case(request, case_id)
    form = RequestVisitForm(request.POST, prefix="visit", zone=borrower_zone(case))

    def call(case, data):
        requested = visit_services.request_visit(
            case,
            by=request.user,
            reason=data["reason"],
            window_start=data["window_start"],
            window_end=data["window_end"],
            address=data["address"],
            exception_reason=data.get("exception_reason", ""),
        )
        return _("Visit %(pk)s requested; a supervisor decides.") % {"pk": requested.pk}

    return _service_form(request, case, "visit", form, call)


@require_POST
def step(request, case_id):
    def call(case, data):
        case_services.apply_transition(case, data["transition"], by=request.user, reason=data["reason"])
        return _("%(step)s: the case is now %(state)s.") % {
            "step": case_services.transition_label(data["transition"]),
            "state": case.get_state_display(),
        }

    return _service_form(request, _case(request, case_id), "step", StepForm(request.POST), call)
