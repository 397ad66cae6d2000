"""The dashboard's tables as CSV or Excel (core/exports.py), for the same period and slice
as the page: the delinquency by bucket, the roll-rate matrix, the liquidation by bucket
and the collectors' results beside their compliance. Rates are fractions (0.25), amounts
numbers with their currency in a column of its own. No borrower appears in them."""

from __future__ import annotations

from django.utils.translation import gettext as _

from core.exports import export_response

from . import kpis
from .buckets import LABELS

TABLES = ["delinquency", "roll_rates", "liquidation", "collectors"]


class UnknownTable(ValueError):
    pass


def _delinquency(board: kpis.Dashboard):
    header = [_("Days past due"), _("Accounts"), _("Currency"), _("Balance")]
    rows = []
    for row in board.book:
        for currency, amount in sorted(row.balance.items()) or [("", None)]:
            rows.append([str(row.label), row.accounts, currency, amount])
    return header, rows


def _roll_rates(board: kpis.Dashboard):
    header = [
        _("From"),
        _("Accounts in the period"),
        *[str(LABELS[bucket]) for bucket in kpis.MATRIX_COLUMNS],
        _("Roll rate"),
        _("Cure rate"),
    ]
    rows = [
        [str(row.label), row.population, *[count for count, _share in row.cells()], row.roll_rate, row.cure_rate]
        for row in board.flows
    ]
    return header, rows


def _liquidation(board: kpis.Dashboard):
    header = [_("Days past due"), _("Currency"), _("Collected"), _("Owed on the first morning"), _("Liquidation rate")]
    return header, [
        [str(LABELS[bucket]), currency, got, owed, share] for bucket, currency, got, owed, share in board.liquidation
    ]


def _collectors(board: kpis.Dashboard):
    header = [
        _("Collector"),
        _("Calls"),
        _("Right-party contacts"),
        _("Right-party contact rate"),
        _("Promises"),
        _("Currency"),
        _("Collected"),
        _("Contacts made"),
        _("Refused"),
        _("Refused share"),
        _("Overrides"),
        _("Complaints"),
        _("Findings"),
        _("Complaints and findings per 1,000 contacts"),
    ]
    rows = []
    for person in board.collectors:
        for currency, amount in sorted(person.collected.items()) or [("", None)]:
            rows.append(
                [
                    person.name,
                    person.calls,
                    person.right_party_contacts,
                    person.right_party_rate,
                    person.promises_made,
                    currency,
                    amount,
                    person.contacts,
                    person.refused,
                    person.refused_rate,
                    person.overrides,
                    person.complaints,
                    person.findings,
                    person.issues_per_1000,
                ]
            )
    return header, rows


BUILDERS = {
    "delinquency": _delinquency,
    "roll_rates": _roll_rates,
    "liquidation": _liquidation,
    "collectors": _collectors,
}


def export_table(fmt: str, table: str, board: kpis.Dashboard):
    if table not in BUILDERS:
        raise UnknownTable(table)
    header, rows = BUILDERS[table](board)
    scope = board.scope
    return export_response(fmt, f"kpi-{table}-{scope.start:%Y%m%d}-{scope.end:%Y%m%d}", header, rows)
