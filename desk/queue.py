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

Sections 1–4 and the legal/field part of ``later`` are decided in SQL (one grouped query
counts them all). Phone-now and the rest of later need the engine; it judges the
remaining cases in priority order, in batches (a fixed number of queries per batch), and
stops at ``SCAN_LIMIT`` cases: a larger pool's split is shown as "at least".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, time

from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import CaseState, CollectionCase, ContactPoint, PromiseToPay, RepaymentPlan
from contacts import engine
from contacts.models import Callback, ContactAttempt
from policy.codes import Channel
from visits.models import FieldVisit

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
SCAN_LIMIT = 1000
# Days-past-due buckets, most overdue last: the queue sorts by the bucket, then balance.
DPD_BUCKETS = ((180, 5), (90, 4), (60, 3), (30, 2), (1, 1))
BUCKET_LABELS = [
    ("1", _("1–29 days past due")),
    ("2", _("30–59 days")),
    ("3", _("60–89 days")),
    ("4", _("90–179 days")),
    ("5", _("180 days or more")),
]
WORKABLE = [
    CaseState.REMINDER,
    CaseState.PHONE,
    CaseState.WRITTEN_NOTICE,
    CaseState.FIELD_VISIT,
    CaseState.LEGAL,
    CaseState.ARRANGEMENT,
    CaseState.ON_HOLD,
    CaseState.NEW,
]


def balance():
    account = "account__outstanding_"
    return F(account + "principal") + F(account + "interest") + F(account + "fees")


def dpd_bucket():
    return Case(
        *(When(account__days_past_due__gte=low, then=Value(rank)) for low, rank in DPD_BUCKETS),
        default=Value(0),
        output_field=IntegerField(),
    )


def annotate_sections(cases: QuerySet, at: datetime) -> QuerySet:
    """Each case's section as SQL (``section``; ``to_phone`` = up to the engine)."""
    today = timezone.localdate(at)
    pending_callbacks = Callback.objects.pending().filter(case=OuterRef("pk"))
    pending_promises = PromiseToPay.objects.filter(case=OuterRef("pk"), status=PromiseToPay.Status.PENDING)
    plans = RepaymentPlan.objects.filter(
        case=OuterRef("pk"), status__in=[RepaymentPlan.Status.ACTIVE, RepaymentPlan.Status.PROPOSED]
    )
    field_team = FieldVisit.objects.live().filter(case=OuterRef("pk"))
    return cases.annotate(
        section=Case(
            When(state=CaseState.ON_HOLD, then=Value("on_hold")),
            When(Exists(pending_callbacks.filter(due_at__lte=at)), then=Value("callbacks_due")),
            When(Exists(pending_promises.filter(due_date__lte=today)), then=Value("promises_due")),
            When(
                Exists(pending_promises) | Exists(plans) | Exists(pending_callbacks),
                then=Value("waiting"),
            ),
            When(Q(state__in=[CaseState.LEGAL, CaseState.FIELD_VISIT]) | Exists(field_team), then=Value("elsewhere")),
            default=Value("to_phone"),
            output_field=CharField(),
        )
    )


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


def _phones(cases) -> dict[int, ContactPoint | None]:
    """Each case's phone to call: the borrower's primary valid own phone, else another."""
    by_borrower: dict[int, ContactPoint] = {}
    for point in ContactPoint.objects.filter(
        borrower__in={c.account.borrower_id for c in cases},
        kind="phone",
        owner=ContactPoint.Owner.BORROWER,
        is_invalid=False,
    ).order_by("-is_primary", "pk"):
        by_borrower.setdefault(point.borrower_id, point)
    return {case.pk: by_borrower.get(case.account.borrower_id) for case in cases}


def _judge(cases, at) -> list[Row]:
    """Rows with the engine's decision on a phone call now: a fixed number of queries."""
    if not cases:
        return []
    phones = _phones(cases)
    decisions = engine.evaluate_many(cases, Channel.PHONE_CALL, at, phones)
    return [Row(case=c, phone=phones[c.pk], decision=decisions[c.pk]) for c in cases]


def _mark_last_calls(rows: list[Row]) -> None:
    """Set each row's last call made (one query for the rows)."""
    if not rows:
        return
    calls = ContactAttempt.objects.filter(
        case_id__in=[row.case.pk for row in rows], channel=Channel.PHONE_CALL, allowed=True
    )
    last = dict(calls.values("case_id").order_by().annotate(last=Max("started_at")).values_list("case_id", "last"))
    for row in rows:
        row.last_call = last.get(row.case.pk)


def start_of_day(at: datetime) -> datetime:
    return datetime.combine(timezone.localdate(at), time.min, tzinfo=timezone.get_current_timezone())


def _by_priority(cases: QuerySet) -> QuerySet:
    return cases.annotate(bucket=dpd_bucket(), balance=balance()).order_by("-bucket", "-balance", "pk")


def _scan(pool: QuerySet, at: datetime, want_allowed: int) -> tuple[list[Row], list[Row], bool]:
    """Judge the pool in priority order until ``want_allowed`` cases may be phoned or
    SCAN_LIMIT cases were judged. Returns (allowed, refused, whole pool judged)."""
    allowed: list[Row] = []
    refused: list[Row] = []
    offset = 0
    while offset < SCAN_LIMIT:
        batch = list(_by_priority(pool)[offset : offset + SCAN_BATCH])
        for row in _judge(batch, at):
            (allowed if row.decision.allowed and row.phone else refused).append(row)
        offset += len(batch)
        if len(batch) < SCAN_BATCH:
            return allowed, refused, True
        if len(allowed) >= want_allowed:
            break
    return allowed, refused, False


def _page_of(rows: list, page: int) -> tuple[list, int, int]:
    pages = max(1, -(-len(rows) // PAGE_SIZE))
    page = min(max(page, 1), pages)
    return rows[(page - 1) * PAGE_SIZE : page * PAGE_SIZE], page, pages


def _sql_section(sectioned: QuerySet, section: str, at: datetime, page: int, count: int):
    """A section decided in SQL: its page in priority order, each row judged by the engine
    (the collector sees whether a call is allowed now, and why not)."""
    pending = Callback.objects.pending().filter(case=OuterRef("pk")).order_by("due_at")
    rows = sectioned.filter(section=section).annotate(
        bucket=dpd_bucket(),
        balance=balance(),
        callback_due=Subquery(pending.values("due_at")[:1]),
        promise_due=Min("promises__due_date", filter=Q(promises__status=PromiseToPay.Status.PENDING)),
    )
    order = {
        "callbacks_due": ["callback_due", "-bucket", "-balance", "pk"],
        "promises_due": ["promise_due", "-bucket", "-balance", "pk"],
        "waiting": [F("promise_due").asc(nulls_last=True), F("callback_due").asc(nulls_last=True), "-bucket", "pk"],
        "on_hold": ["-bucket", "-balance", "pk"],
    }[section]
    pages = max(1, -(-count // PAGE_SIZE))
    page = min(max(page, 1), pages)
    cases = list(rows.order_by(*order)[(page - 1) * PAGE_SIZE : page * PAGE_SIZE])
    return _judge(cases, at), page, pages


def work_queue(agent, *, section="phone_now", page=1, at=None, filters=None) -> Queue:
    """The agent's worklist: one section's page and every section's count. A fixed number of
    queries for the SQL sections; phone-now and later add a few per batch the engine judges."""
    at = at or timezone.now()
    filters = filters or {}
    section = section if section in SECTIONS else "phone_now"
    cases = CollectionCase.objects.filter(assigned_collector=agent, state__in=WORKABLE).select_related(
        "account__borrower"
    )
    if filters.get("profile"):
        cases = cases.filter(account__borrower__policy_profile_code=filters["profile"])
    if filters.get("state"):
        cases = cases.filter(state=filters["state"])
    if filters.get("bucket"):
        cases = cases.annotate(bucket_filter=dpd_bucket()).filter(bucket_filter=filters["bucket"])
    sectioned = annotate_sections(cases, at)
    counts = dict(sectioned.order_by().values("section").annotate(n=Count("pk")).values_list("section", "n"))
    elsewhere = counts.pop("elsewhere", 0)
    pool = counts.pop("to_phone", 0)
    at_least: set[str] = set()
    allowed: list[Row] = []
    refused: list[Row] = []
    if pool:
        # The later tab lists every refusal; the others need only a page of phone-now.
        want = {"later": SCAN_LIMIT, "phone_now": page * PAGE_SIZE}.get(section, PAGE_SIZE)
        allowed, refused, whole = _scan(sectioned.filter(section="to_phone"), at, want)
        counts["phone_now"] = len(allowed)
        counts["later"] = len(refused) + elsewhere
        if not whole:
            at_least |= {"phone_now", "later"}
    else:
        counts["phone_now"], counts["later"] = 0, elsewhere
    if section == "phone_now":
        # Cases called today go last: a pass through the queue reaches everyone once first.
        _mark_last_calls(allowed)
        today = start_of_day(at)
        never = datetime.min.replace(tzinfo=UTC)
        allowed.sort(key=lambda r: (r.called_since(today), -r.case.bucket, -r.case.balance, r.last_call or never))
        rows, page, pages = _page_of(allowed, page)
    elif section == "later":
        far = datetime.max.replace(tzinfo=at.tzinfo)
        refused.sort(key=lambda r: r.decision.next_allowed_at or far)
        others = list(_by_priority(sectioned.filter(section="elsewhere"))[: max(0, page * PAGE_SIZE - len(refused))])
        rows, page, pages = _page_of(refused + [Row(case=c) for c in others], page)
        pages = max(pages, -(-counts["later"] // PAGE_SIZE))
    else:
        rows, page, pages = _sql_section(sectioned, section, at, page, counts.get(section, 0))
    if section != "phone_now":
        _mark_last_calls(rows)
    if section == "callbacks_due" and rows:
        due = {cb.case_id: cb for cb in Callback.objects.pending().filter(case__in=[r.case for r in rows])}
        for row in rows:
            row.callback = due.get(row.case.pk)
    return Queue(
        section=section, counts=counts, at_least=at_least, rows=rows, page=page, pages=pages, at=at, filters=filters
    )


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
    pass is done."""
    at = at or timezone.now()
    today = start_of_day(at)
    for section in ("callbacks_due", "promises_due", "phone_now"):
        for row in work_queue(agent, section=section, at=at).rows:
            if row.case.pk == case_id or (row.decision is not None and not row.decision.allowed):
                continue
            if section != "callbacks_due" and row.called_since(today):
                continue
            return row.case.pk
    return None
