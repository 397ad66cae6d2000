"""
The collectors' workload, for supervisors and reviewers: each collector's open cases per
days-past-due bucket, with the outstanding balance per currency, and the total. Two
queries whatever the book's size: the collectors, and one grouped aggregate of the open
cases (collector × currency × bucket).

``workload_rows`` is the table as data (codes, counts and Decimals, no formatting), so a
page and an export read the same numbers.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from urllib.parse import urlencode

from django.contrib.auth import get_user_model
from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cases import buckets as case_buckets
from cases.models import CollectionCase
from cases.selectors import team_of
from cases.services import COLLECTOR_GROUP

from .sections import balance

# The case book's days-past-due buckets (cases/buckets.py), "not past due" first:
# (code, lowest DPD, label).
BUCKETS = [(bucket.code, bucket.low, bucket.label) for bucket in (case_buckets.CURRENT, *case_buckets.BUCKETS)]
TEAM, ALL = "team", "all"


def bucket_of_case():
    return case_buckets.bucket_code()


def _case_list_url(collector_id: int | None) -> str:
    """The admin case list on the collector's open cases (its "open" and "collector" filters)."""
    query = {"open": "yes", "collector": "none" if collector_id is None else collector_id}
    return f"{reverse('admin:cases_collectioncase_changelist')}?{urlencode(query)}"


def _row(user, supervisor=None) -> dict:
    return {
        "collector_id": user.pk if user else None,
        "username": user.get_username() if user else "",
        "name": (user.get_full_name() or user.get_username()) if user else str(_("Nobody (unassigned)")),
        "active": user.is_active if user else True,
        "supervisor": supervisor.get_username() if supervisor else "",
        "buckets": {key: {"count": 0, "balances": {}} for key, _low, _label in BUCKETS},
        "total": {"count": 0, "balances": {}},
        "case_list_url": _case_list_url(user.pk if user else None),
    }


def _add(cell: dict, count: int, currency: str, amount: Decimal) -> None:
    cell["count"] += count
    cell["balances"][currency] = cell["balances"].get(currency, Decimal("0")) + amount


def workload_rows(user, *, scope: str = TEAM) -> list[dict]:
    """One row per collector in ``scope`` — ``"team"``: the team ``user`` leads, ``"all"``:
    every active collector and anyone else still holding open cases, then a row for the
    open cases nobody holds. Each row: ``collector_id``, ``username``, ``name``,
    ``active``, ``supervisor`` (username), ``buckets`` ({bucket key: {count, balances:
    {currency: Decimal}}}, keys as BUCKETS), ``total`` (the same for all buckets) and
    ``case_list_url`` (the admin case list of that collector's open cases)."""
    cases = CollectionCase.objects.open().order_by()
    people = get_user_model().objects.select_related("team_member__supervisor")
    if scope == TEAM:
        cases = cases.filter(assigned_collector__team_member__supervisor=user)
        people = team_of(user).select_related("team_member__supervisor")
    grouped = list(
        cases.annotate(bucket=bucket_of_case())
        .values("assigned_collector", "account__currency", "bucket")
        .annotate(count=Count("pk"), balance=Sum(balance()))
    )
    if scope != TEAM:
        holders = {row["assigned_collector"] for row in grouped if row["assigned_collector"] is not None}
        people = people.filter(Q(groups__name=COLLECTOR_GROUP, is_active=True) | Q(pk__in=holders)).distinct()
    rows = {}
    for person in people.order_by("username"):
        member = getattr(person, "team_member", None)
        rows[person.pk] = _row(person, member.supervisor if member else None)
    unassigned = _row(None)
    for found in grouped:
        row = rows.get(found["assigned_collector"], unassigned if found["assigned_collector"] is None else None)
        if row is None:
            continue
        amount = found["balance"] or Decimal("0")
        _add(row["buckets"][found["bucket"]], found["count"], found["account__currency"], amount)
        _add(row["total"], found["count"], found["account__currency"], amount)
    result = list(rows.values())
    if unassigned["total"]["count"]:
        result.append(unassigned)
    return result


def totals(rows: list[dict]) -> dict:
    """The whole table's buckets and total, summed from its rows."""
    summed = {"buckets": defaultdict(lambda: {"count": 0, "balances": {}}), "total": {"count": 0, "balances": {}}}
    for row in rows:
        for key, cell in row["buckets"].items():
            for currency, amount in cell["balances"].items():
                _add(summed["buckets"][key], 0, currency, amount)
            summed["buckets"][key]["count"] += cell["count"]
        for currency, amount in row["total"]["balances"].items():
            _add(summed["total"], 0, currency, amount)
        summed["total"]["count"] += row["total"]["count"]
    summed["buckets"] = {key: summed["buckets"][key] for key, _low, _label in BUCKETS}
    return summed


def table(rows: list[dict]) -> tuple[list[str], list[list]]:
    """The workload as a header and rows for core.exports: one line per collector and
    currency, a count and a balance per bucket. Staff names only, no borrower."""
    header = [str(_("Collector")), str(_("Supervisor")), str(_("Currency"))]
    for _key, _low, label in BUCKETS:
        header += [f"{label} · {_('number of cases')}", f"{label} · {_('balance')}"]
    header += [str(_("Total cases")), str(_("Total balance"))]
    lines = []
    for row in rows:
        currencies = sorted(row["total"]["balances"]) or [""]
        for currency in currencies:
            line = [row["name"], row["supervisor"], currency]
            for key, _low, _label in BUCKETS:
                cell = row["buckets"][key]
                line += [cell["count"] if currency == currencies[0] else None, cell["balances"].get(currency)]
            line += [
                row["total"]["count"] if currency == currencies[0] else None,
                row["total"]["balances"].get(currency),
            ]
            lines.append(line)
    return header, lines
