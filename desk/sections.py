"""
Which section of the worklist a case is in, decided in SQL (desk/queue.py composes the
worklist from these and the compliance engine).

Each test is membership of a set that does not depend on the case (``pk IN (SELECT
case_id …)`` over the pending callbacks, promises, plans and live visits): the database
builds each set once and probes it per case (a hashed subplan on PostgreSQL, an ephemeral
index on SQLite), and reads the collector's cases from one covering index. A correlated
EXISTS per case and per test cost a second a page for a collector holding 67,000 cases of
a million-case book; the measured plan is in bench/README.md.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime

from django.db import connection, transaction
from django.db.models import Case, CharField, F, Q, QuerySet, Value, When
from django.utils import timezone

from cases.models import CaseState, CollectionCase, PromiseToPay, RepaymentPlan
from contacts.models import Callback
from visits.models import FieldVisit

from .buckets import bucket_expression

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
    """The case's days-past-due bucket (desk/buckets.py): the queue sorts by it, then balance."""
    return bucket_expression()


# Rungs below the phone rung: the ladder rules a call out (the engine's stage_not_reached),
# so these cases go to "later" without the engine judging them one by one.
BEFORE_PHONE_RUNG = [CaseState.NEW, CaseState.REMINDER]


def section_conditions(at: datetime) -> list[tuple[str, Q]]:
    """Each SQL-decided section and its condition, in order: a case is in the first whose
    condition it meets, else up to the engine (``to_phone``). ``elsewhere`` is the legal or
    field team's; ``not_yet`` is below the phone rung."""
    today = timezone.localdate(at)
    pending_callbacks = Callback.objects.pending()
    pending_promises = PromiseToPay.objects.filter(status=PromiseToPay.Status.PENDING)
    plans = RepaymentPlan.objects.filter(status__in=[RepaymentPlan.Status.ACTIVE, RepaymentPlan.Status.PROPOSED])
    field_team = FieldVisit.objects.live()

    def holding(queryset):
        return Q(pk__in=queryset.order_by().values("case_id"))

    return [
        ("on_hold", Q(state=CaseState.ON_HOLD)),
        ("callbacks_due", holding(pending_callbacks.filter(due_at__lte=at))),
        ("promises_due", holding(pending_promises.filter(due_date__lte=today))),
        ("waiting", holding(pending_promises) | holding(plans) | holding(pending_callbacks)),
        ("elsewhere", Q(state__in=[CaseState.LEGAL, CaseState.FIELD_VISIT]) | holding(field_team)),
        (
            "not_yet",
            Q(state__in=BEFORE_PHONE_RUNG) | Q(state=CaseState.ARRANGEMENT, ladder_rung__in=BEFORE_PHONE_RUNG),
        ),
    ]


def annotate_sections(cases: QuerySet, at: datetime) -> QuerySet:
    """Each case's section as SQL (``section``; ``to_phone`` = up to the engine)."""
    whens = [When(condition, then=Value(name)) for name, condition in section_conditions(at)]
    return cases.annotate(section=Case(*whens, default=Value("to_phone"), output_field=CharField()))


# The states a case the engine decides on can be in: on the phone rung or above, not on
# hold, not with the legal or field team.
TO_PHONE_STATES = [CaseState.PHONE, CaseState.WRITTEN_NOTICE, CaseState.ARRANGEMENT]


def to_phone(cases: QuerySet, at: datetime) -> QuerySet:
    """The cases in no SQL section: the same conditions, negated, so the database filters
    on them (and on the states that can get this far, through the collector's index)
    instead of working out every case's section first."""
    outside = Q()
    for _name, condition in section_conditions(at):
        outside |= condition
    return cases.filter(state__in=TO_PHONE_STATES).exclude(outside)


def by_priority(cases: QuerySet) -> QuerySet:
    return cases.annotate(bucket=dpd_bucket(), balance=balance()).order_by("-bucket", "-balance", "pk")


def condition_of(section: str, at: datetime) -> Q:
    """The section's own condition: every case in it meets it (a case is in the first
    section whose condition it meets), so filtering on it as well lets the database start
    from the few cases that can be in the section rather than deciding every case's."""
    return dict(section_conditions(at))[section]


def cases_of(agent, filters: dict) -> QuerySet:
    cases = CollectionCase.objects.filter(assigned_collector=agent, state__in=WORKABLE).select_related(
        "account__borrower"
    )
    if filters.get("profile"):
        cases = cases.filter(account__borrower__policy_profile_code=filters["profile"])
    if filters.get("state"):
        cases = cases.filter(state=filters["state"])
    if filters.get("bucket"):
        cases = cases.annotate(bucket_filter=dpd_bucket()).filter(bucket_filter=filters["bucket"])
    return cases


@contextmanager
def room_for_the_sets():
    """PostgreSQL hashes each section's set only when the hash fits in work_mem ×
    hash_mem_multiplier (8 MB by default: some 150,000 pending promises); past that it would
    scan the whole set once per case, minutes for a large queue. The queue's statements get
    room for a few million rows, for their own transaction only."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL work_mem = '64MB'")
        yield
