"""The reviewer workspace: the landing page, the case dossier (printable, and as CSV), the
contact-intensity charts and the retention report. Thin: reads come from the selectors,
and every page showing a borrower's personal data writes an access-log row.

The intensity charts are also a supervisor's, for their own team: the cases assigned to
a collector of the team and the team's agents (404 for any other)."""

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from audit.services import log_pii_access
from cases.admin import can_see_full_contact_details, can_see_full_national_id
from cases.models import CollectionCase
from cases.selectors import supervises, team_cases, visible_cases
from core.exports import csv_response

from . import dossier as dossiers
from . import intensity, selectors

WORKSPACE_PERMISSION = "compliance.view_finding"
# Supervisors read their own team's intensity charts (cases/roles.py).
TEAM_PERMISSION = "cases.view_workload"
QUEUE_LENGTH = 50


def _reviewers_only(request):
    if not request.user.has_perm(WORKSPACE_PERMISSION):
        raise PermissionDenied(_("The compliance workspace is for compliance reviewers."))


def _reads_whole_book(request) -> bool:
    """Reviewers read every case's and agent's charts; a supervisor only their team's
    (False); anyone else is refused."""
    if request.user.has_perm(WORKSPACE_PERMISSION):
        return True
    if request.user.has_perm(TEAM_PERMISSION):
        return False
    raise PermissionDenied(_("The contact-intensity charts are for compliance reviewers and supervisors."))


def _case(request, case_id, cases=None) -> CollectionCase:
    try:
        cases = visible_cases(request.user) if cases is None else cases
        return cases.select_related("account__borrower").get(pk=case_id)
    except CollectionCase.DoesNotExist:
        raise Http404(_("No such case.")) from None


def _page(request, template, title, **context):
    return render(request, template, {**admin.site.each_context(request), "title": title, **context})


def workspace(request):
    _reviewers_only(request)
    return _page(
        request,
        "compliance/workspace.html",
        _("Compliance review"),
        findings=selectors.findings_queue()[:QUEUE_LENGTH],
        finding_counts=selectors.open_finding_counts(),
        samples=selectors.samples_due()[:QUEUE_LENGTH],
        complaints=selectors.open_complaints()[:QUEUE_LENGTH],
        agents=selectors.agents_to_watch(),
    )


def dossier_search(request):
    _reviewers_only(request)
    loan = request.GET.get("loan", "").strip()
    # A loan may have had several cases (paid, then overdue again): the newest first.
    case = (
        visible_cases(request.user).filter(account__loan_number=loan).order_by("-opened_at").first() if loan else None
    )
    if case is None:
        messages.error(
            request, _("No case for loan number “%(loan)s”.") % {"loan": loan} if loan else _("Enter a loan number.")
        )
        return redirect("compliance:workspace")
    return redirect("compliance:dossier", case.pk)


def _dossier_for(request, case_id, where):
    case = _case(request, case_id)
    log_pii_access(request.user, case.account.borrower, where, request, case=case)
    return dossiers.case_dossier(
        case.pk,
        full_national_id=can_see_full_national_id(request.user),
        full_contact=can_see_full_contact_details(request.user),
    )


def dossier(request, case_id):
    _reviewers_only(request)
    found = _dossier_for(request, case_id, "dossier")
    return _page(
        request,
        "compliance/dossier.html",
        _("Dossier · case %(pk)s · %(loan_number)s") % {"pk": found.case.pk, "loan_number": found.account.loan_number},
        dossier=found,
    )


def dossier_csv(request, case_id):
    _reviewers_only(request)
    found = _dossier_for(request, case_id, "dossier CSV")
    # UTF-8 with BOM, every cell quoted and made safe to open (core/exports.py).
    rows = dossiers.csv_rows(found)
    header = next(rows)
    return csv_response(dossiers.csv_filename(found.case.pk, found.account.loan_number), header, rows)


def _days(request) -> int:
    try:
        return min(max(int(request.GET.get("days", intensity.DEFAULT_DAYS)), 7), 366)
    except ValueError:
        return intensity.DEFAULT_DAYS


def case_intensity(request, case_id):
    whole_book = _reads_whole_book(request)
    case = _case(request, case_id, None if whole_book else team_cases(request.user))
    log_pii_access(request.user, case.account.borrower, "contact intensity", request, case=case)
    return _page(
        request,
        "compliance/case_intensity.html",
        _("Contact intensity · case %(pk)s") % {"pk": case.pk},
        case=case,
        profile=case.policy_profile,
        intensity=intensity.case_intensity(case, days=_days(request)),
        reviewer=whole_book,
    )


def agent_intensity(request, user_id):
    whole_book = _reads_whole_book(request)
    agent = get_object_or_404(get_user_model(), pk=user_id)
    if not whole_book and not supervises(request.user, agent):
        raise Http404(_("No such agent in your team."))
    return _page(
        request,
        "compliance/agent_intensity.html",
        _("Contact intensity · %(username)s") % {"username": agent.get_username()},
        agent=agent,
        intensity=intensity.agent_intensity(agent, days=_days(request)),
        reviewer=whole_book,
    )


def retention(request):
    _reviewers_only(request)
    return _page(request, "compliance/retention.html", _("Records past retention"), report=selectors.retention_report())
