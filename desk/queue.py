"""
The collector's worklist: every open case of theirs in exactly one section, each section
in a documented priority order.

Sections, first match wins:

1. ``on_hold``        — on hold (dispute, hardship, cease, breathing space…): nobody phones.
2. ``callbacks_due``  — a callback the borrower asked for is due: by callback time.
3. ``promises_due``   — a promise to pay falls due today (or is due and not yet settled):
                        by due date, then DPD bucket and balance.
4. ``waiting``        — a promise not yet due, a repayment plan running or awaiting
                        approval, or a callback later: by the next date that matters.
5. ``phone_now``      — the rest that the compliance engine allows to be phoned now
                        through a valid phone number: by DPD bucket (most overdue first),
                        then balance (largest first), then last phone contact (longest ago
                        first).
6. ``later``          — the rest: refused now (with the reason and when it is allowed
                        again), referred to legal, or in the field team's hands.

Sections 1–4 and the part of ``later`` the ladder decides (legal, the field team, cases
below the phone rung) are decided in SQL (``desk/sections.py``; one grouped query counts
them all). Phone-now and the rest of later need the engine; it judges the remaining cases
in priority order, in batches (a fixed number of queries per batch), and stops at
``SCAN_LIMIT`` cases: a larger pool's split is shown as "at least".
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, time

from django.db.models import (
    Count,
    F,
    Max,
    OuterRef,
    QuerySet,
    Subquery,
)
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import CaseState, CollectionCase, ContactPoint, PromiseToPay
from contacts import engine
from contacts.models import Callback, ContactAttempt
from policy.codes import Channel

from . import buckets
from .sections import (
    WORKABLE,
    annotate_sections,
    balance,
    by_priority,
    cases_of,
    condition_of,
    dpd_bucket,
    room_for_the_sets,
    to_phone,
)

__all__ = ["WORKABLE", "work_queue", "next_case_after", "first_to_call"]

SECTIONS = {
    "phone_now": _("Phone now"),
    "callbacks_due": _("Callbacks due"),
    "promises_due": _("Promises due today"),
    "waiting": _("Waiting"),
    "on_hold": _("On hold"),
    "later": _("Later"),
}
SECTION_HELP = {
    "phone_now": _("Most overdue first (by DPD bucket), then the largest balance, then the longest since a call."),
    "callbacks_due": _("The borrower asked to be called back: earliest first."),
    "promises_due": _("A promise to pay falls due: check the payment or call to remind."),
    "waiting": _("A promise not yet due, a repayment plan, or a callback later: nothing to do yet."),
    "on_hold": _("Collection is stopped: no contact until the hold is released."),
    "later": _("Refused by the rules now, referred to legal, or with the field team."),
}
PAGE_SIZE = 25
SCAN_BATCH = 200
MIN_BATCH = 25
SCAN_LIMIT = 1000
BUCKET_LABELS = [(str(bucket), buckets.LABELS[bucket]) for bucket in buckets.DELINQUENT]


@dataclass
class Row:
    case: CollectionCase
    phone: ContactPoint | None = None
    decision: engine.Decision | None = None
    callback: Callback | None = None
    last_call: datetime | None = None  # the last call made on the case

    def called_since(self, moment: datetime) -> bool:
        return self.last_call is not None and self.last_call >= moment

    @property
    def why_not_now(self) -> list[str]:
        if self.case.state == CaseState.LEGAL:
            return [str(_("Referred to legal: the legal team works this case."))]
        if self.case.state == CaseState.FIELD_VISIT or getattr(self.case, "section", "") == "elsewhere":
            return [str(_("With the field team: a visit is planned or under way."))]
        reasons = [] if self.phone else [str(_("No valid phone number on file."))]
        return reasons + list(self.decision.explanations if self.decision else ())


@dataclass
class Queue:
    section: str
    counts: dict[str, int]
    at_least: set[str]  # sections whose count is a lower bound (the engine stopped scanning)
    rows: list[Row]
    page: int
    pages: int
    at: datetime
    filters: dict = field(default_factory=dict)

    @property
    def tabs(self):
        return [
            {
                "key": key,
                "label": label,
                "count": self.counts.get(key, 0),
                "at_least": key in self.at_least,
                "current": key == self.section,
            }
            for key, label in SECTIONS.items()
        ]

    @property
    def help(self):
        return SECTION_HELP[self.section]


def _points_by_borrower(cases) -> dict[int, list[ContactPoint]]:
    """The borrowers' contact points in one query, for both the phone to call and the
    engine's facts (prefetch_related would build a manager per borrower: more Python than
    the query costs)."""
    points = defaultdict(list)
    for point in ContactPoint.objects.filter(borrower__in={c.account.borrower_id for c in cases}).order_by("pk"):
        points[point.borrower_id].append(point)
    return points


def _phones(cases, points_by_borrower) -> dict[int, ContactPoint | None]:
    """Each case's phone to call: the borrower's primary valid own phone, else another."""
    phones = {}
    for case in cases:
        usable = [
            point
            for point in points_by_borrower[case.account.borrower_id]
            if point.kind == "phone" and point.owner == ContactPoint.Owner.BORROWER and not point.is_invalid
        ]
        phones[case.pk] = min(usable, key=lambda point: (not point.is_primary, point.pk), default=None)
    return phones


def _judge(cases, at) -> list[Row]:
    """Rows with the engine's decision on a phone call now: a fixed number of queries."""
    if not cases:
        return []
    points = _points_by_borrower(cases)
    phones = _phones(cases, points)
    decisions = engine.evaluate_many(cases, Channel.PHONE_CALL, at, phones, borrower_points=points)
    return [Row(case=c, phone=phones[c.pk], decision=decisions[c.pk]) for c in cases]


def _mark_last_calls(rows: list[Row]) -> None:
    """Set each row's last call made: read with its case (``_load_in_order``), else one
    query for the rows."""
    if not rows:
        return
    missing = [row.case.pk for row in rows if not hasattr(row.case, "last_call")]
    last = {}
    if missing:
        calls = ContactAttempt.objects.filter(case_id__in=missing, channel=Channel.PHONE_CALL, allowed=True)
        last = dict(calls.values("case_id").order_by().annotate(last=Max("started_at")).values_list("case_id", "last"))
    for row in rows:
        row.last_call = row.case.last_call if hasattr(row.case, "last_call") else last.get(row.case.pk)


def _last_call():
    """The case's last call made, as a subquery (the index on case, channel and time
    answers it from its last entry)."""
    calls = ContactAttempt.objects.filter(case=OuterRef("pk"), channel=Channel.PHONE_CALL, allowed=True)
    return Subquery(calls.order_by("-started_at").values("started_at")[:1])


def start_of_day(at: datetime) -> datetime:
    return datetime.combine(timezone.localdate(at), time.min, tzinfo=timezone.get_current_timezone())


def _scan(pool: QuerySet, at: datetime, want_allowed: int, last_calls=True) -> tuple[list[Row], list[Row], bool]:
    """Judge the pool in priority order until ``want_allowed`` cases may be phoned or
    SCAN_LIMIT cases were judged. Returns (allowed, refused, whole pool judged).

    The pool is sorted once, for the ids of its first SCAN_LIMIT cases; each batch then
    loads its cases by id, so judging five batches does not sort the pool five times.
    ``last_calls``: read each case's last call with it (phone-now sorts by it; the later
    tab shows it for its page only, read then)."""
    order = list(by_priority(pool).values_list("pk", flat=True)[: SCAN_LIMIT + 1])
    whole = len(order) <= SCAN_LIMIT
    order = order[:SCAN_LIMIT]
    allowed: list[Row] = []
    refused: list[Row] = []
    start = 0
    while start < len(order):
        # Twice what is still wanted (most cases in the pool may be phoned), so a page of
        # phone-now or Save & next judges a few dozen cases, not hundreds.
        size = min(SCAN_BATCH, max(2 * (want_allowed - len(allowed)), MIN_BATCH))
        for row in _judge(_load_in_order(order[start : start + size], last_calls), at):
            (allowed if row.decision.allowed and row.phone else refused).append(row)
        start += size
        if len(allowed) >= want_allowed and start < len(order):
            return allowed, refused, False
    return allowed, refused, whole


def _page_of(rows: list, page: int) -> tuple[list, int, int]:
    pages = max(1, -(-len(rows) // PAGE_SIZE))
    page = min(max(page, 1), pages)
    return rows[(page - 1) * PAGE_SIZE : page * PAGE_SIZE], page, pages


# What each SQL section is sorted by, and the dates that takes: each date is a correlated
# subquery, computed only for the rows of that section and only where its order needs it.
SQL_SECTION_ORDER = {
    "callbacks_due": ["callback_due", "-bucket", "-balance", "pk"],
    "promises_due": ["promise_due", "-bucket", "-balance", "pk"],
    "waiting": [F("promise_due").asc(nulls_last=True), F("callback_due").asc(nulls_last=True), "-bucket", "pk"],
    "on_hold": ["-bucket", "-balance", "pk"],
}
SQL_SECTION_DATES = {
    "callbacks_due": {"callback_due"},
    "promises_due": {"promise_due"},
    "waiting": {"promise_due", "callback_due"},
    "on_hold": set(),
}


def _sql_section(sectioned: QuerySet, section: str, at: datetime, page: int, count: int):
    """A section decided in SQL: its page in priority order, each row judged by the engine
    (the collector sees whether a call is allowed now, and why not)."""
    rows = by_priority(sectioned.filter(condition_of(section, at), section=section))
    order, dates = SQL_SECTION_ORDER[section], SQL_SECTION_DATES[section]
    if "callback_due" in dates:
        first_callback = Callback.objects.pending().filter(case=OuterRef("pk")).order_by("due_at")
        rows = rows.annotate(callback_due=Subquery(first_callback.values("due_at")[:1]))
    if "promise_due" in dates:
        first_promise = PromiseToPay.objects.filter(case=OuterRef("pk"), status=PromiseToPay.Status.PENDING)
        rows = rows.annotate(promise_due=Subquery(first_promise.order_by("due_date").values("due_date")[:1]))
    pages = max(1, -(-count // PAGE_SIZE))
    page = min(max(page, 1), pages)
    # The page's ids first, sorted on what the indexes hold; then its 25 cases in full.
    ids = list(rows.order_by(*order).values_list("pk", flat=True)[(page - 1) * PAGE_SIZE : page * PAGE_SIZE])
    return _judge(_load_in_order(ids), at), page, pages


def _load_in_order(ids: list[int], last_calls=True) -> list[CollectionCase]:
    # One IN list: in_bulk would add a second, and PostgreSQL then misjudges the rows and
    # scans the whole case table.
    batch = CollectionCase.objects.select_related("account__borrower").filter(pk__in=ids)
    # What the rows are sorted by, and the last call each row shows.
    batch = batch.annotate(bucket=dpd_bucket(), balance=balance())
    if last_calls:
        batch = batch.annotate(last_call=_last_call())
    loaded = {case.pk: case for case in batch}
    return [loaded[pk] for pk in ids if pk in loaded]


def work_queue(agent, *, section="phone_now", page=1, at=None, filters=None) -> Queue:
    """The agent's worklist: one section's page and every section's count. A fixed number of
    queries for the SQL sections; phone-now and later add a few per batch the engine judges."""
    with room_for_the_sets():
        return _work_queue(agent, section=section, page=page, at=at, filters=filters)


def _work_queue(agent, *, section, page, at, filters) -> Queue:
    at = at or timezone.now()
    filters = filters or {}
    section = section if section in SECTIONS else "phone_now"
    cases = cases_of(agent, filters)
    sectioned = annotate_sections(cases, at)
    counts = dict(sectioned.order_by().values("section").annotate(n=Count("pk")).values_list("section", "n"))
    elsewhere = counts.pop("elsewhere", 0) + counts.pop("not_yet", 0)
    pool = counts.pop("to_phone", 0)
    at_least: set[str] = set()
    allowed: list[Row] = []
    refused: list[Row] = []
    if pool:
        # The later tab lists every refusal; the others need only a page of phone-now.
        want = {"later": SCAN_LIMIT, "phone_now": page * PAGE_SIZE}.get(section, PAGE_SIZE)
        allowed, refused, whole = _scan(to_phone(cases, at), at, want, last_calls=section != "later")
        counts["phone_now"] = len(allowed)
        counts["later"] = len(refused) + elsewhere
        if not whole:
            at_least |= {"phone_now", "later"}
    else:
        counts["phone_now"], counts["later"] = 0, elsewhere
    if section == "phone_now":
        rows, page, pages = _page_of(_phone_now_order(allowed, at), page)
    elif section == "later":
        far = datetime.max.replace(tzinfo=at.tzinfo)
        refused.sort(key=lambda r: r.decision.next_allowed_at or far)
        others = by_priority(sectioned.filter(section__in=["not_yet", "elsewhere"]))
        others = others.order_by(F("section").desc(), "-bucket", "-balance", "pk")  # not yet, then elsewhere
        others = list(others[: max(0, page * PAGE_SIZE - len(refused))])
        rows, page, pages = _page_of(refused + [Row(case=c) for c in others], page)
        pages = max(pages, -(-counts["later"] // PAGE_SIZE))
        _judge_below_phone_rung(rows, at)
    else:
        rows, page, pages = _sql_section(sectioned, section, at, page, counts.get(section, 0))
    if section != "phone_now":
        _mark_last_calls(rows)
    if section == "callbacks_due" and rows:
        _attach_callbacks(rows)
    return Queue(
        section=section, counts=counts, at_least=at_least, rows=rows, page=page, pages=pages, at=at, filters=filters
    )


def _judge_below_phone_rung(rows: list[Row], at: datetime) -> None:
    """The rows of a page that wait for the phone rung get the engine's own words for why."""
    waiting = [row for row in rows if getattr(row.case, "section", "") == "not_yet"]
    for row, judged in zip(waiting, _judge([row.case for row in waiting], at), strict=True):
        row.phone, row.decision = judged.phone, judged.decision


def _phone_now_order(allowed: list[Row], at: datetime) -> list[Row]:
    """Cases called today go last: a pass through the queue reaches everyone once first."""
    _mark_last_calls(allowed)
    today = start_of_day(at)
    never = datetime.min.replace(tzinfo=UTC)
    return sorted(allowed, key=lambda r: (r.called_since(today), -r.case.bucket, -r.case.balance, r.last_call or never))


def _attach_callbacks(rows: list[Row]) -> None:
    due = {cb.case_id: cb for cb in Callback.objects.pending().filter(case__in=[r.case for r in rows])}
    for row in rows:
        row.callback = due.get(row.case.pk)


def first_to_call(work: Queue) -> int | None:
    """Where a pass through phone-now starts: its first case nobody has called today."""
    if work.section != "phone_now":
        return None
    today = start_of_day(work.at)
    return next((row.case.pk for row in work.rows if not row.called_since(today)), None)


def next_case_after(agent, case_id: int, at=None) -> int | None:
    """The case Save & next opens: the first due callback the rules allow now, else the
    first promise due today or case to phone now that nobody has called today (a pass
    through the queue reaches each borrower once), never the one just worked. None: the
    pass is done.

    Save & next is the collector's most frequent request, so it counts nothing: the two
    SQL sections are read a page each, and the engine judges the pool only as far as the
    first case it allows."""
    with room_for_the_sets():
        return _next_case_after(agent, case_id, at or timezone.now())


def _next_case_after(agent, case_id: int, at: datetime) -> int | None:
    today = start_of_day(at)
    cases = cases_of(agent, {})
    sectioned = annotate_sections(cases, at)
    for section in ("callbacks_due", "promises_due"):
        rows, _page, _pages = _sql_section(sectioned, section, at, 1, PAGE_SIZE)
        if section != "callbacks_due":
            _mark_last_calls(rows)
        for row in rows:
            if row.case.pk == case_id or not row.decision.allowed:
                continue
            if section != "callbacks_due" and row.called_since(today):
                continue
            return row.case.pk
    allowed, _refused, _whole = _scan(to_phone(cases, at).exclude(pk=case_id), at, PAGE_SIZE)
    for row in _phone_now_order(allowed, at):
        if not row.called_since(today):
            return row.case.pk
    return None
