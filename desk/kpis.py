"""
The supervisor dashboard's figures, read from the nightly snapshots (desk/snapshots.py):
a handful of grouped queries over a few hundred rows a day, whatever the size of the book.

A period runs from the morning of ``start`` to the morning after ``end``: the activity of
the days ``start`` … ``end``, the book as it stood on the first and the last of those
mornings, and the bucket moves of the nights between. Every definition shown on the page
is in DEFINITIONS, next to the arithmetic it describes.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import Q, Sum
from django.utils.translation import gettext_lazy as _

from .buckets import CURED, DELINQUENT, LABELS, OPEN, Bucket
from .kpi_models import ActivitySnapshot, BookSnapshot, BucketMove
from .snapshots import ACTIVITY_FIGURES

ZERO = Decimal("0")
MATRIX_COLUMNS = [*OPEN, Bucket.PAID, Bucket.WRITTEN_OFF]

DEFINITIONS = {
    "delinquency": _("Open cases on the morning of the last day, by days past due: accounts and what they owe."),
    "roll": _(
        "Of the accounts in a bucket during the period (there on the first morning, or arriving later), the share "
        "that rolled to a later bucket, stayed, or cured (paid, settled or back to current) by the night's moves. "
        "An account that rolls two buckets counts in both rows."
    ),
    "cure": _(
        "Delinquent accounts that cured ÷ the delinquent accounts of the period (first morning plus newly opened)."
    ),
    "right_party": _("Calls in which the borrower was reached ÷ calls made by a person."),
    "promise": _("Promises to pay made ÷ right-party contacts."),
    "promise_kept": _("Promises kept ÷ promises that fell due in the period (kept or broken)."),
    "liquidation": _("Money collected on the accounts of a bucket ÷ what that bucket owed on the first morning."),
    "compliance": _(
        "Refused: contacts the compliance engine stopped ÷ all contacts tried. Overrides: refusals a supervisor "
        "overrode. Complaints and findings about the collector, also per 1,000 contacts made."
    ),
}

DEFINITION_TITLES = {
    "delinquency": _("Delinquency"),
    "roll": _("Roll rates"),
    "cure": _("Cure rate"),
    "right_party": _("Right-party contact rate"),
    "promise": _("Promise rate"),
    "promise_kept": _("Promise-kept rate"),
    "liquidation": _("Liquidation rate"),
    "compliance": _("Compliance"),
}


@dataclass
class Scope:
    """Which slices the reader asked for: a period, and optionally a profile, a product and
    some collectors (one, or a supervisor's team)."""

    start: date
    end: date
    profile: str = ""
    product: str = ""
    collectors: list[int] | None = None

    def filters(self) -> Q:
        wanted = Q()
        if self.profile:
            wanted &= Q(profile=self.profile)
        if self.product:
            wanted &= Q(product=self.product)
        if self.collectors is not None:
            wanted &= Q(collector__in=self.collectors)
        return wanted


def rate(part, whole) -> Decimal | None:
    """part ÷ whole as a fraction, or None when there is nothing to divide by."""
    return (Decimal(part) / Decimal(whole)) if whole else None


@dataclass
class BucketRow:
    bucket: int
    accounts: int = 0
    balance: dict[str, Decimal] = field(default_factory=dict)

    @property
    def label(self):
        return LABELS[self.bucket]


@dataclass
class FlowRow:
    """One bucket's row of the roll-rate matrix."""

    bucket: int
    at_start: int = 0
    arrived: int = 0
    moved_to: dict[int, int] = field(default_factory=dict)

    @property
    def label(self):
        return LABELS[self.bucket]

    @property
    def population(self) -> int:
        return self.at_start + self.arrived

    def _sum(self, buckets) -> int:
        return sum(count for to, count in self.moved_to.items() if to in buckets)

    @property
    def rolled(self) -> int:
        return self._sum([b for b in DELINQUENT if b > self.bucket])

    @property
    def cured(self) -> int:
        return self._sum(CURED) if self.bucket != Bucket.CURRENT else self._sum([Bucket.PAID])

    @property
    def improved(self) -> int:
        """Better but still delinquent (a partial payment moved the oldest due date)."""
        return self._sum([b for b in DELINQUENT if b < self.bucket])

    @property
    def written_off(self) -> int:
        return self._sum([Bucket.WRITTEN_OFF])

    @property
    def stayed(self) -> int:
        return self.population - sum(self.moved_to.values())

    def share(self, count) -> Decimal | None:
        return rate(count, self.population)

    @property
    def roll_rate(self):
        return self.share(self.rolled)

    @property
    def stay_rate(self):
        return self.share(self.stayed)

    @property
    def cure_rate(self):
        return self.share(self.cured)

    def cells(self) -> list[tuple[int, Decimal | None]]:
        """(accounts, share of the row) for every column of the matrix (MATRIX_COLUMNS)."""
        counts = [self.stayed if to == self.bucket else self.moved_to.get(to, 0) for to in MATRIX_COLUMNS]
        return [(count, self.share(count)) for count in counts]


@dataclass
class CollectorRow:
    collector_id: int | None
    name: str = ""
    figures: dict = field(default_factory=lambda: dict.fromkeys(ACTIVITY_FIGURES, 0))
    collected: dict[str, Decimal] = field(default_factory=dict)

    def __getattr__(self, name):
        figures = self.__dict__.get("figures", {})
        if name in figures:
            return figures[name]
        raise AttributeError(name)

    @property
    def tried(self) -> int:
        return self.figures["contacts"] + self.figures["refused"]

    @property
    def right_party_rate(self):
        return rate(self.figures["right_party_contacts"], self.figures["calls"])

    @property
    def refused_rate(self):
        return rate(self.figures["refused"], self.tried)

    @property
    def complaints_per_1000(self):
        per = rate(self.figures["complaints"] * 1000, self.figures["contacts"])
        return per

    @property
    def findings_per_1000(self):
        return rate(self.figures["findings"] * 1000, self.figures["contacts"])

    @property
    def issues_per_1000(self):
        """Complaints and findings about this collector per 1,000 contacts made."""
        return rate((self.figures["complaints"] + self.figures["findings"]) * 1000, self.figures["contacts"])


@dataclass
class Dashboard:
    scope: Scope
    first_morning: date | None = None
    last_morning: date | None = None
    book: list[BucketRow] = field(default_factory=list)
    trend: list[tuple[date, int, dict[str, Decimal]]] = field(default_factory=list)
    flows: list[FlowRow] = field(default_factory=list)
    totals: dict = field(default_factory=lambda: dict.fromkeys(ACTIVITY_FIGURES, 0))
    collected: dict[str, Decimal] = field(default_factory=dict)
    liquidation: list[tuple[int, str, Decimal, Decimal, Decimal | None]] = field(default_factory=list)
    collectors: list[CollectorRow] = field(default_factory=list)
    first_book: dict[int, BucketRow] = field(default_factory=dict)
    opened: int = 0  # cases that entered delinquency during the period

    @property
    def empty(self) -> bool:
        return self.first_morning is None

    @property
    def delinquent_accounts(self) -> int:
        return sum(row.accounts for row in self.book if row.bucket in DELINQUENT)

    @property
    def cure_rate(self):
        delinquent = [row for row in self.flows if row.bucket in DELINQUENT]
        return rate(sum(row.cured for row in delinquent), sum(row.at_start for row in delinquent) + self.opened)

    @property
    def right_party_rate(self):
        return rate(self.totals["right_party_contacts"], self.totals["calls"])

    @property
    def promise_rate(self):
        return rate(self.totals["promises_made"], self.totals["right_party_contacts"])

    @property
    def promise_kept_rate(self):
        return rate(self.totals["promises_kept"], self.totals["promises_due"])

    @property
    def refused_rate(self):
        return rate(self.totals["refused"], self.totals["contacts"] + self.totals["refused"])


def dashboard(scope: Scope) -> Dashboard:
    found = Dashboard(scope=scope)
    wanted = scope.filters()
    _read_book(found, wanted)
    if found.empty:
        return found
    _read_moves(found, wanted)
    _read_activity(found, wanted)
    return found


def _read_book(found: Dashboard, wanted: Q) -> None:
    """The trend and the first and last mornings' books: one grouped query."""
    scope = found.scope
    rows = (
        BookSnapshot.objects.filter(wanted, day__gte=scope.start, day__lte=scope.end + timedelta(days=1))
        .values("day", "bucket", "currency")
        .annotate(accounts=Sum("accounts"), owed=Sum("balance"))
        .order_by("day")
    )
    by_day: dict[date, dict[int, BucketRow]] = defaultdict(dict)
    for row in rows:
        slot = by_day[row["day"]].setdefault(row["bucket"], BucketRow(row["bucket"]))
        slot.accounts += row["accounts"]
        slot.balance[row["currency"]] = slot.balance.get(row["currency"], ZERO) + row["owed"]
    if not by_day:
        return
    days = sorted(by_day)
    found.first_morning, found.last_morning = days[0], days[-1]
    found.book = [by_day[days[-1]].get(bucket, BucketRow(bucket)) for bucket in OPEN]
    found.flows = [FlowRow(bucket, at_start=by_day[days[0]].get(bucket, BucketRow(bucket)).accounts) for bucket in OPEN]
    found.first_book = by_day[days[0]]
    for day in days:
        delinquent = [row for bucket, row in by_day[day].items() if bucket in DELINQUENT]
        owed: dict[str, Decimal] = defaultdict(lambda: ZERO)
        for row in delinquent:
            for currency, amount in row.balance.items():
                owed[currency] += amount
        found.trend.append((day, sum(row.accounts for row in delinquent), dict(owed)))


def _read_moves(found: Dashboard, wanted: Q) -> None:
    rows = (
        BucketMove.objects.filter(wanted, day__gt=found.first_morning, day__lte=found.last_morning)
        .values("from_bucket", "to_bucket")
        .annotate(accounts=Sum("accounts"))
        .order_by()
    )
    flows = {row.bucket: row for row in found.flows}
    for row in rows:
        origin, destination, count = row["from_bucket"], row["to_bucket"], row["accounts"]
        if origin == Bucket.OPENED:
            if destination in DELINQUENT:
                found.opened += count
        elif origin in flows:
            flows[origin].moved_to[destination] = flows[origin].moved_to.get(destination, 0) + count
        if destination in flows:
            flows[destination].arrived += count


def _read_activity(found: Dashboard, wanted: Q) -> None:
    scope = found.scope
    sums = {name: Sum(name) for name in ACTIVITY_FIGURES}
    rows = (
        ActivitySnapshot.objects.filter(wanted, day__gte=scope.start, day__lte=scope.end)
        .values("collector", "bucket", "currency")
        .annotate(**sums)
        .order_by()
    )
    people: dict[int | None, CollectorRow] = {}
    collected_by_bucket: dict[tuple[int, str], Decimal] = defaultdict(lambda: ZERO)
    for row in rows:
        person = people.setdefault(row["collector"], CollectorRow(row["collector"]))
        for name in ACTIVITY_FIGURES:
            value = row[name] or 0
            if name == "collected":
                if value:
                    person.collected[row["currency"]] = person.collected.get(row["currency"], ZERO) + value
                    found.collected[row["currency"]] = found.collected.get(row["currency"], ZERO) + value
                    collected_by_bucket[(row["bucket"], row["currency"])] += value
                continue
            person.figures[name] += value
            found.totals[name] += value
    first_book = found.first_book
    currencies = sorted(
        {currency for _, currency in collected_by_bucket}
        | {currency for row in first_book.values() for currency in row.balance}
    )
    for bucket in DELINQUENT:
        owed_row = first_book.get(bucket)
        for currency in currencies:
            owed = owed_row.balance.get(currency, ZERO) if owed_row else ZERO
            got = collected_by_bucket.get((bucket, currency), ZERO)
            if owed or got:
                found.liquidation.append((bucket, currency, got, owed, rate(got, owed)))
    names = dict(
        get_user_model().objects.filter(pk__in=[pk for pk in people if pk is not None]).values_list("pk", "username")
    )
    for pk, person in people.items():
        person.name = names.get(pk, "")
    found.collectors = sorted(
        (person for pk, person in people.items() if pk is not None), key=lambda person: person.name
    )
