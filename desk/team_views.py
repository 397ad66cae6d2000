"""The supervisor's workload page: each collector's open cases by days past due and
balance, with a link to reassign them from the case list. Thin: the table is
desk/workload.py's."""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseBadRequest
from django.shortcuts import render
from django.utils.translation import gettext as _

from cases.selectors import team_of
from core.exports import UnknownExportFormat, export_response

from . import workload

WORKLOAD_PERMISSION = "cases.view_workload"
# Who may open a team member's contact-intensity chart from the table (compliance/views.py).
REVIEWER_PERMISSION = "compliance.view_finding"


def workload_page(request):
    if not request.user.has_perm(WORKLOAD_PERMISSION):
        raise PermissionDenied(_("The workload is for supervisors and compliance reviewers."))
    team_ids = set(team_of(request.user).values_list("pk", flat=True))
    scope = request.GET.get("scope") or (workload.TEAM if team_ids else workload.ALL)
    if scope not in (workload.TEAM, workload.ALL):
        scope = workload.ALL
    rows = workload.workload_rows(request.user, scope=scope)
    if "format" in request.GET:
        try:
            return export_response(request.GET["format"], f"workload-{scope}", *workload.table(rows))
        except UnknownExportFormat as refused:
            return HttpResponseBadRequest(str(refused))
    reviewer = request.user.has_perm(REVIEWER_PERMISSION)
    for row in rows:
        row["charts"] = row["collector_id"] is not None and (reviewer or row["collector_id"] in team_ids)
    return render(
        request,
        "desk/workload.html",
        {
            **admin.site.each_context(request),
            "title": _("Workload"),
            "rows": rows,
            "totals": workload.totals(rows),
            "buckets": workload.BUCKETS,
            "scope": scope,
            "leads_a_team": bool(team_ids),
            "can_assign": request.user.has_perm("cases.assign_case"),
        },
    )
