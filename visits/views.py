"""Pages for field visits. Thin: rules are in visits.services."""

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from accounts.middleware import second_factor_exempt
from accounts.network import client_ip
from audit.services import log_pii_access, log_pii_access_many
from cases.selectors import borrower_zone, case_timeline, visible_cases
from contacts.borrower_text import in_language
from core.exceptions import ServiceError
from core.uploads import attachment, inline_image

from . import selectors, services, throttle
from .forms import DecisionForm, RequestVisitForm, VerifyForm
from .models import FieldAgent, VisitState


def _page(request, template, **context):
    return render(request, template, {**admin.site.each_context(request), **context})


def _log_address_seen(request, visits, where):
    """These pages show the visit address in full (the agent needs it to go there, the
    supervisor to judge the request): each showing is on the compliance access log, in
    one statement however many visits the page shows."""
    seen = [(visit.case.account.borrower_id, visit.case_id) for visit in visits]
    if seen:
        log_pii_access_many(request.user, seen, where, request)


# --- the borrower's side: is this visitor really from the lender? ------------------------------


def verify(request):
    """Public. Shows who is coming and when — never anything about the debt or the borrower —
    and warns clearly when the code is unknown or the visit is not now. Rate-limited per
    client address and per code (visits/throttle.py), so codes cannot be guessed."""
    form = VerifyForm(request.POST or request.GET or None)
    result = None
    if form.is_bound and form.is_valid():
        code = form.cleaned_data["code"]
        slot = throttle.admit(client_ip(request) or "unknown", code)
        if slot is None:
            response = render(
                request, "visits/verify.html", {"form": form, "throttled": True, "hotline": settings.LENDER_HOTLINE}
            )
            response.status_code = 429
            return response
        result = selectors.verification(code)
        if result["status"] != "unknown":
            throttle.give_back(slot)  # only wrong codes count against an address
    return render(
        request,
        "visits/verify.html",
        {
            "form": form,
            "result": result,
            "hotline": settings.LENDER_HOTLINE,
            "lender": in_language(settings.LENDER_NAMES, get_language()),
        },
    )


@second_factor_exempt
def verify_photo(request, code, agent_id):
    """Public: the photo of an agent on the visit with this code, while the borrower's page
    shows them (the code is right and the visit is now). Anything else is a wrong guess and
    counts against the address like one."""
    slot = throttle.take(throttle.address_key(client_ip(request) or "unknown"))
    if slot.count > settings.VERIFY_ATTEMPTS_PER_WINDOW:
        return HttpResponse(status=429)
    agent = selectors.visiting_agent(code, agent_id)
    response = inline_image(agent.photo) if agent is not None else None
    if response is None:
        raise Http404
    throttle.give_back(slot)
    return response


# --- staff ------------------------------------------------------------------------------------


def request_visit(request, case_id):
    if not request.user.has_perm("visits.add_fieldvisit"):
        raise PermissionDenied
    case = get_object_or_404(visible_cases(request.user).select_related("account__borrower"), pk=case_id)
    zone = borrower_zone(case)
    postal = case.account.borrower.contact_points.filter(kind="postal", is_invalid=False).first()
    form = RequestVisitForm(request.POST or None, zone=zone, initial={"address": postal.value if postal else ""})
    if postal is not None:
        log_pii_access(request.user, case.account.borrower, "visit request", request, case=case)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            visit = services.request_visit(
                case,
                by=request.user,
                reason=data["reason"],
                window_start=data["window_start"],
                window_end=data["window_end"],
                address=data["address"],
                exception_reason=data["exception_reason"],
            )
        except ServiceError as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, _("Visit %(pk)s requested; a supervisor decides.") % {"pk": visit.pk})
            return redirect("admin:cases_collectioncase_change", case.pk)
    return _page(
        request,
        "visits/request.html",
        title=_("Request a field visit · %(case)s") % {"case": case},
        case=case,
        form=form,
        eligibility=services.eligibility(case),
        zone=zone,
    )


def inbox(request):
    """The supervisor's approval inbox: pending requests with their eligibility snapshot."""
    if not request.user.has_perm("visits.approve_fieldvisit"):
        raise PermissionDenied
    return _page(
        request, "visits/inbox.html", title=_("Field visits awaiting a decision"), visits=selectors.pending_requests()
    )


def decide(request, visit_id):
    if not request.user.has_perm("visits.approve_fieldvisit"):
        raise PermissionDenied
    visit = get_object_or_404(selectors.visits_with_details(), pk=visit_id, state=VisitState.REQUESTED)
    form = DecisionForm(request.POST or None, visit=visit)
    _log_address_seen(request, [visit], "visit decision")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if "reject" in request.POST:
                services.reject_visit(visit, by=request.user, why=data["note"])
                messages.success(request, _("Visit %(pk)s rejected.") % {"pk": visit.pk})
            else:
                services.approve_visit(visit, by=request.user, note=data["note"], agents=list(data["agents"]))
                messages.success(request, _("Visit %(pk)s approved; the notice goes out next.") % {"pk": visit.pk})
            return redirect("visits:inbox")
        except ServiceError as refusal:
            form.add_error(None, str(refusal))
    return _page(
        request,
        "visits/decide.html",
        title=_("Decide on visit %(pk)s") % {"pk": visit.pk},
        visit=visit,
        form=form,
        timeline=case_timeline(visit.case),
    )


def act(request, visit_id):
    """Abort a visit under way, saying why: POST from the agent's report page."""
    if request.method != "POST" or not request.user.has_perm("visits.carry_out_fieldvisit"):
        raise PermissionDenied
    visit = get_object_or_404(selectors.visits_for_agent(request.user), pk=visit_id)
    if request.POST.get("action") != "abort":
        raise Http404(_("Unknown action."))
    try:
        services.abort_visit(visit, by=request.user, why=request.POST.get("why", ""))
    except ServiceError as refusal:
        messages.error(request, str(refusal))
        return redirect("visits:report", visit.pk) if visit.state == VisitState.IN_PROGRESS else redirect("visits:mine")
    messages.success(request, _("Visit aborted: %(why)s") % {"why": request.POST.get("why", "").strip()})
    return redirect("visits:mine")


# --- uploaded files: only through these views, to whoever may see the record -------------------

VISIT_FILES = {
    "agreement_file": "visit agreement file",
    "receipt_file": "visit receipt file",
    "check_in_photo": "visit check-in photo",
}


def visit_file(request, visit_id, field):
    """A visit's signed agreement or receipt, as a download, to whoever may see visits and
    the case (a field agent: while the visit is live); each one is on the access log."""
    if not request.user.has_perm("visits.view_fieldvisit"):
        raise PermissionDenied
    visits = selectors.visits_with_details().filter(case__in=visible_cases(request.user))
    visit = get_object_or_404(visits, pk=visit_id)
    if field not in VISIT_FILES or not getattr(visit, field):
        raise Http404(_("No such file."))
    log_pii_access(request.user, visit.case.account.borrower, VISIT_FILES[field], request, case=visit.case)
    return attachment(getattr(visit, field), filename=f"visit-{visit.pk}-{field.removesuffix('_file')}")


def agent_file(request, agent_id, field):
    """A field agent's photo, for the staff who manage agents (the borrower sees it on /verify/)."""
    if not request.user.has_perm("visits.view_fieldagent"):
        raise PermissionDenied
    agent = get_object_or_404(FieldAgent, pk=agent_id)
    if field != "photo" or not agent.photo:
        raise Http404(_("No such file."))
    return attachment(agent.photo, filename=f"agent-{agent.badge_number}-photo")
