"""
The field agent's pages, made for a phone held in one hand: today's visits as cards, the
check-in with its evidence, and the report, kept as a draft on the server while the agent
types (nothing typed is lost to a refused form, a dropped connection or a closed tab).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from audit.services import log_pii_access
from cases.selectors import borrower_zone
from core.exceptions import ServiceError
from core.uploads import attachment

from . import selectors, services
from .forms import CheckInForm, ReportForm
from .models import VisitState
from .views import _log_address_seen, _page

DRAFT_FIELDS = tuple(ReportForm.base_fields)


def _require_agent(request):
    if not request.user.has_perm("visits.carry_out_fieldvisit"):
        raise PermissionDenied


def _agents_visit(request, visit_id, **filters):
    return get_object_or_404(selectors.visits_for_agent(request.user), pk=visit_id, **filters)


def my_visits(request):
    """Today's visits as cards, soonest first: when, who, where (with a map link), how much
    is due, a call ahead when the rules allow one now, and the next step's button."""
    _require_agent(request)
    cards = selectors.agent_cards(request.user)
    _log_address_seen(request, [card.visit for card in cards], "my visits")
    return _page(request, "visits/mine.html", title=_("My visits"), cards=cards)


def check_in(request, visit_id):
    """The check-in: the position (the agent's phone asks their consent), an optional photo,
    and one button. A refusal says why, and the agent stays on the page."""
    _require_agent(request)
    visit = _agents_visit(request, visit_id)
    if visit.state == VisitState.IN_PROGRESS:  # already checked in (a second tap, a back button)
        return redirect("visits:report", visit.pk)
    posted = request.method == "POST"
    form = CheckInForm(request.POST if posted else None, request.FILES if posted else None)
    if posted and form.is_valid():
        try:
            evidence = services.CheckInEvidence.from_post(request.POST, request.FILES)
            visit = services.check_in(visit, by=request.user, evidence=evidence)
        except services.EvidenceRefused as refusal:
            form.add_error("photo" if refusal.field == "photo" else None, str(refusal))
        except ServiceError as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, _checked_in_message(visit))
            return redirect("visits:report", visit.pk)
    _log_address_seen(request, [visit], "visit check-in")
    return _page(
        request,
        "visits/check_in.html",
        title=_("Check in · %(name)s") % {"name": visit.case.account.borrower.full_name},
        visit=visit,
        visit_zone=borrower_zone(visit.case),
        form=form,
    )


def _checked_in_message(visit) -> str:
    if visit.check_in_far:
        return _(
            "Checked in, %(distance)s m from the address: farther than expected, so your supervisor will look at it."
        ) % {"distance": visit.check_in_distance_m}
    if visit.check_in_latitude is None:
        return _("Checked in without your position: %(why)s.") % {"why": visit.get_check_in_no_location_display()}
    return _("Checked in with your position.")


def report(request, visit_id):
    """The report: its draft is read back when the page opens; a submission is kept as the
    draft first, then filed. A refusal shows every value as typed and each problem beside
    its field."""
    _require_agent(request)
    visit = _agents_visit(request, visit_id, state=VisitState.IN_PROGRESS)
    currency = visit.case.account.currency
    if request.method == "POST":
        draft, refused_files = services.save_draft(
            visit, by=request.user, values=_typed(request.POST), files=request.FILES
        )
        # The files sent are in the draft now (or refused, said below): the form reads them there.
        form = ReportForm(request.POST, currency=currency, draft=draft)
        if form.is_valid() and not refused_files:
            try:
                services.complete_visit(visit, by=request.user, report=form.cleaned_data)
            except services.ReportIncomplete as refusal:
                for name, why in refusal.fields.items():
                    form.add_error(name if name in form.fields else None, why)
            except ServiceError as refusal:
                form.add_error(None, str(refusal))
            else:
                messages.success(request, _("Report filed: the visit is complete."))
                return redirect("visits:mine")
        for name, why in refused_files.items():
            if name not in form.errors:
                form.add_error(name, why)
    else:
        draft = services.draft_of(visit)
        form = ReportForm(initial=_initial(draft.values) if draft else None, currency=currency, draft=draft)
    _log_address_seen(request, [visit], "visit report")
    return _page(
        request,
        "visits/report.html",
        title=_("Report · %(name)s") % {"name": visit.case.account.borrower.full_name},
        visit=visit,
        visit_zone=borrower_zone(visit.case),
        form=form,
        draft=draft,
    )


@require_POST
def save_draft(request, visit_id):
    """The report page's script keeps the draft as the agent types: JSON back with when it
    was saved, the files held, and any file refused (with its sentence)."""
    _require_agent(request)
    visit = _agents_visit(request, visit_id, state=VisitState.IN_PROGRESS)
    try:
        draft, refused = services.save_draft(visit, by=request.user, values=_typed(request.POST), files=request.FILES)
    except ServiceError as refusal:
        return JsonResponse({"error": str(refusal)}, status=409)
    saved_at = timezone.localtime(draft.saved_at)
    return JsonResponse(
        {
            "saved": _("Draft saved at %(time)s.") % {"time": time_format(saved_at, "TIME_FORMAT")},
            "files": {
                name: {
                    "url": getattr(draft, name).url,
                    "label": _("Sent: %(kind)s") % {"kind": getattr(draft, name).kind},
                }
                for name in services.drafts.DRAFT_FILES
                if getattr(draft, name)
            },
            "refused": refused,
        },
        status=200 if not refused else 422,
    )


def draft_file(request, visit_id, field):
    """A file the report's draft holds, for the agent writing it."""
    _require_agent(request)
    visit = _agents_visit(request, visit_id)
    draft = services.draft_of(visit)
    if field not in services.drafts.DRAFT_FILES or draft is None or not getattr(draft, field):
        raise Http404(_("No such file."))
    log_pii_access(request.user, visit.case.account.borrower, "visit report draft file", request, case=visit.case)
    return attachment(getattr(draft, field), filename=f"visit-{visit.pk}-draft-{field.removesuffix('_file')}")


def _typed(data) -> dict:
    """The report's fields as typed (a checkbox left unticked is absent, as in the form)."""
    return {name: data.get(name, "") for name in DRAFT_FIELDS if name in data}


def _initial(values: dict) -> dict:
    """A draft's values as the form's initial ones: a ticked box is True."""
    initial = dict(values)
    for name in ("identity_verified", "conduct_attested"):
        initial[name] = bool(values.get(name))
    return initial
