"""The supervisor's KPI dashboard: the period and slices the reader asks for (GET: a period,
a policy profile, a product, a collector or a supervisor's team), the
figures from desk/kpis.py, and the charts that draw them. Read-only; supervisors and
compliance reviewers (desk.view_kpi_dashboard)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, Subquery
from django.http import HttpResponseBadRequest
from django.shortcuts import render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from cases.models import TeamMember
from cases.selectors import team_of
from core.exports import UnknownExportFormat
from core.money import format_money
from core.when import day_and_month, local_date
from policy.selectors import current_profiles_by_code

from . import charts, kpi_exports, kpis
from .buckets import DELINQUENT, LABELS
from .kpi_models import BookSnapshot

PERIODS = [("7", 7), ("30", 30), ("90", 90)]
DEFAULT_PERIOD = "30"


@dataclass
class Asked:
    """The reader's choices as the form shows them again, and any that could not be read."""

    period: str
    start: date
    end: date
    profile: str
    product: str
    collector: str
    team: str = ""
    problem: str = ""
    # The dates as typed, shown again when they could not be read (nothing typed is lost).
    start_typed: str = ""
    end_typed: str = ""


def read_scope(query) -> tuple[kpis.Scope, Asked]:
    yesterday = timezone.localdate() - timedelta(days=1)
    period = query.get("period", DEFAULT_PERIOD)
    problem = ""
    start_typed, end_typed = query.get("start", ""), query.get("end", "")
    if period == "custom":
        start, end = _date_or_none(start_typed), _date_or_none(end_typed)
        if not start or not end or start > end:
            problem = _("Give the period as a first and a last day, the first not after the last.")
            period, start, end = DEFAULT_PERIOD, None, None
    if period != "custom":
        days = dict(PERIODS).get(period) or dict(PERIODS)[DEFAULT_PERIOD]
        period = str(days)
        end = yesterday
        start = end - timedelta(days=days - 1)
    collector = query.get("collector", "")
    collectors = [int(collector)] if collector.isdigit() else None
    team = query.get("team", "")
    if team.isdigit():
        members = list(team_of(int(team)).values_list("pk", flat=True))
        collectors = [pk for pk in collectors if pk in members] if collectors else members
    scope = kpis.Scope(
        start=start,
        end=end,
        profile=query.get("profile", ""),
        product=query.get("product", ""),
        collectors=collectors,
    )
    asked = Asked(
        period,
        start,
        end,
        scope.profile,
        scope.product,
        collector if collector.isdigit() else "",
        team if team.isdigit() else "",
        problem,
        start_typed if problem else "",
        end_typed if problem else "",
    )
    return scope, asked


def _date_or_none(text: str) -> date | None:
    try:
        return parse_date(text)
    except ValueError:  # well formed, but no such day (2026-02-30)
        return None


def _money_text(amounts: dict) -> str:
    return " · ".join(format_money(amount, currency) for currency, amount in sorted(amounts.items())) or "—"


def build_charts(board: kpis.Dashboard):
    trend = charts.line_chart(
        _("Delinquent accounts, morning by morning"),
        _("Open cases one day or more past due on each morning of the period."),
        [(day_and_month(day), accounts, str(accounts)) for day, accounts, _owed in board.trend],
    )
    buckets = charts.bar_chart(
        _("Accounts by days past due"),
        _("Open cases on the last morning, by days-past-due bucket, with what they owe."),
        [
            (str(LABELS[row.bucket]), row.accounts, f"{row.accounts} · {_money_text(row.balance)}")
            for row in board.book
            if row.bucket in DELINQUENT
        ],
    )
    return trend, buckets


def dashboard_page(request):
    if not request.user.has_perm("desk.view_kpi_dashboard"):
        raise PermissionDenied
    scope, asked = read_scope(request.GET)
    board = kpis.dashboard(scope)
    if "format" in request.GET:
        try:
            return kpi_exports.export_table(request.GET["format"], request.GET.get("table", ""), board)
        except (kpi_exports.UnknownTable, UnknownExportFormat):
            return HttpResponseBadRequest(
                _("Ask for a table (%(tables)s) as format=csv or format=xlsx.")
                % {"tables": ", ".join(kpi_exports.TABLES)}
            )
    trend, buckets = build_charts(board)
    context = {
        **admin.site.each_context(request),
        "title": _("The book at a glance"),
        "board": board,
        "asked": asked,
        "trend_chart": trend,
        "bucket_chart": buckets,
        "definitions": kpis.DEFINITIONS,
        "matrix_columns": [LABELS[bucket] for bucket in kpis.MATRIX_COLUMNS],
        "periods": PERIODS,
        "query": request.GET.urlencode(),
        "first_day": local_date(scope.start),
        "last_day": local_date(scope.end),
        "profiles": sorted(current_profiles_by_code().values(), key=lambda profile: profile.code),
        "products": _products(),
        **_people(),
    }
    return render(request, "desk/dashboard.html", context)


def _people() -> dict:
    """The team leaders and the active collectors the filters offer, in one query."""
    users = get_user_model().objects.only("username", "first_name", "last_name", "is_active")
    collector = Exists(Group.objects.filter(name="Collector", user=OuterRef("pk")))
    leads = Exists(TeamMember.objects.filter(supervisor=OuterRef("pk")))
    people = list(
        users.annotate(is_collector=collector, leads=leads)
        .filter(Q(is_collector=True, is_active=True) | Q(leads=True))
        .order_by("username")
    )
    return {
        "teams": [person for person in people if person.leads],
        "collectors": [person for person in people if person.is_collector and person.is_active],
    }


def _products() -> list[str]:
    """The products on the latest morning, in one query."""
    latest = BookSnapshot.objects.order_by("-day").values("day")[:1]
    return list(
        BookSnapshot.objects.filter(day=Subquery(latest))
        .order_by("product")
        .values_list("product", flat=True)
        .distinct()
    )
