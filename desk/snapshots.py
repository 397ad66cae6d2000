"""
The nightly KPI snapshot: the book, the night's bucket moves and the day's activity,
aggregated into a few hundred rows (desk/kpi_models.py) that the dashboard reads.

Run after the night has refreshed days past due, on the morning of ``day``:

- stock: the open cases of ``day`` by slice and bucket;
- moves: each open case's bucket now against the one it had at the last snapshot
  (CaseBucket), closed cases to PAID or WRITTEN_OFF, new ones from OPENED — taken once a
  day, then CaseBucket moves on (one INSERT … SELECT … ON CONFLICT, set-based);
- activity: the whole local day before ``day``, attributed to the bucket each case had
  that morning (CaseBucket, before it moves on).

Running it twice on one day rewrites the stock and the activity and keeps the moves: the
step is idempotent. ``backfill`` rebuilds past days for a new install or the demo, from
each account's oldest unpaid due date (what it cannot know: a past day's payments that
later moved that date — the backfilled days say so).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Case, Count, DecimalField, F, Q, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from cases.models import CaseState, CollectionCase, Payment, PromiseToPay
from cases.models.case import CLOSED_STATES
from compliance.models import Complaint, Finding
from contacts.models import ContactAttempt
from policy.codes import BORROWER_REACHED, Channel

from .buckets import DPD_BUCKETS, Bucket, bucket_expression, bucket_of
from .kpi_models import ActivitySnapshot, BookSnapshot, BucketMove, CaseBucket, SnapshotDay

ZERO = Decimal("0")
ACTIVITY_FIGURES = [
    "calls",
    "right_party_contacts",
    "promises_made",
    "promises_due",
    "promises_kept",
    "collected",
    "contacts",
    "refused",
    "overrides",
    "complaints",
    "findings",
]


def _balance(prefix="account__"):
    return Coalesce(
        Sum(F(f"{prefix}outstanding_principal") + F(f"{prefix}outstanding_interest") + F(f"{prefix}outstanding_fees")),
        Value(ZERO),
        output_field=DecimalField(max_digits=18, decimal_places=2),
    )


def _slice(prefix="account__"):
    """The slice columns of a query on cases (``prefix`` reaches the account)."""
    return {
        "profile_code": F(f"{prefix}borrower__policy_profile_code"),
        "product_name": F(f"{prefix}product"),
        "currency_code": F(f"{prefix}currency"),
    }


def _day_window(day: date) -> tuple[datetime, datetime]:
    zone = timezone.get_current_timezone()
    start = datetime.combine(day, time(), tzinfo=zone)
    return start, datetime.combine(day + timedelta(days=1), time(), tzinfo=zone)


def take_snapshot(now: datetime | None = None) -> dict[str, int]:
    """The snapshot of the morning of today (local): the nightly cycle's last step."""
    day = timezone.localdate(now or timezone.now())
    with transaction.atomic():
        taken = SnapshotDay.objects.select_for_update().filter(day=day).first()
        activity = write_activity(day - timedelta(days=1))
        if taken is None:
            baseline = not SnapshotDay.objects.exists()
            moves = write_moves(day, record=not baseline)
            SnapshotDay.objects.create(day=day, baseline=baseline)
        else:
            moves = 0
        stock = write_stock(day)
    return {"stock_rows": stock, "move_rows": moves, "activity_rows": activity, "already_taken": int(taken is not None)}


def _sliced(row: dict) -> dict:
    """A grouped row's slice, as the snapshot models name its columns."""
    return {
        "profile": row["profile_code"],
        "product": row["product_name"],
        "currency": row["currency_code"],
        "collector_id": row["collector_ref"],
    }


def write_stock(day: date) -> int:
    BookSnapshot.objects.filter(day=day).delete()
    rows = (
        CollectionCase.objects.open()
        .values(**_slice(), collector_ref=F("assigned_collector"), bucket_code=bucket_expression())
        .annotate(count=Count("pk"), owed=_balance())
        .order_by()
    )
    return len(
        BookSnapshot.objects.bulk_create(
            BookSnapshot(day=day, **_sliced(row), bucket=row["bucket_code"], accounts=row["count"], balance=row["owed"])
            for row in rows
        )
    )


def write_moves(day: date, *, record: bool = True) -> int:
    """The night's moves (none recorded for the first snapshot, the baseline), then each
    open case's CaseBucket set to tonight's bucket and closed cases' rows dropped."""
    open_cases = CollectionCase.objects.open().annotate(
        now_bucket=bucket_expression(), was=Coalesce(F("kpi_bucket__bucket"), Value(Bucket.OPENED))
    )
    changed = open_cases.exclude(was=F("now_bucket"))
    closed = CollectionCase.objects.filter(state__in=CLOSED_STATES, kpi_bucket__isnull=False).annotate(
        now_bucket=Case(When(state=CaseState.RESOLVED, then=Value(Bucket.PAID)), default=Value(Bucket.WRITTEN_OFF)),
        was=F("kpi_bucket__bucket"),
    )
    rows = []
    if record:
        for moved in (changed, closed):
            found = (
                moved.values(
                    **_slice(), collector_ref=F("assigned_collector"), from_code=F("was"), to_code=F("now_bucket")
                )
                .annotate(count=Count("pk"), owed=_balance())
                .order_by()
            )
            rows += [
                BucketMove(
                    day=day,
                    **_sliced(row),
                    from_bucket=row["from_code"],
                    to_bucket=row["to_code"],
                    accounts=row["count"],
                    balance=row["owed"],
                )
                for row in found
            ]
        BucketMove.objects.bulk_create(rows)
    CaseBucket.objects.filter(case__state__in=CLOSED_STATES).delete()
    _upsert_case_buckets(changed.values_list("pk", "now_bucket"))
    return len(rows)


def _upsert_case_buckets(pairs) -> None:
    """INSERT … SELECT … ON CONFLICT: one statement, however many cases moved (PostgreSQL
    and SQLite both speak it; SQLite needs the WHERE to parse the upsert after a SELECT)."""
    sql, params = pairs.query.sql_with_params()
    table = connection.ops.quote_name(CaseBucket._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (case_id, bucket) SELECT * FROM ({sql}) AS moved WHERE true "
            "ON CONFLICT (case_id) DO UPDATE SET bucket = excluded.bucket",
            params,
        )


def _morning_bucket(prefix: str):
    """The bucket a case had at the last snapshot (this morning's, before the moves), or
    its bucket now for a case the snapshots do not know yet."""
    return Coalesce(F(f"{prefix}kpi_bucket__bucket"), bucket_expression(f"{prefix}account__days_past_due"))


def write_activity(day: date) -> int:
    """What happened on ``day`` (local), by slice, collector and morning bucket."""
    start, end = _day_window(day)
    figures: dict[tuple, dict] = defaultdict(lambda: dict.fromkeys(ACTIVITY_FIGURES, 0))

    def add(rows, names):
        for row in rows:
            key = (row["profile_code"], row["product_name"] or "", row["currency_code"] or "", row["collector_ref"])
            slot = figures[key + (row["bucket_code"],)]
            for name in names:
                slot[name] += row[name] or 0

    call = Q(
        channel=Channel.PHONE_CALL,
        allowed=True,
        direction=ContactAttempt.Direction.OUTBOUND,
        placed_by=ContactAttempt.PlacedBy.PERSON,
    )
    attempt_figures = {
        "calls": Count("pk", filter=call),
        "right_party_contacts": Count("pk", filter=call & Q(outcome__in=BORROWER_REACHED)),
        "contacts": Count("pk", filter=Q(allowed=True, direction=ContactAttempt.Direction.OUTBOUND)),
        "refused": Count("pk", filter=Q(allowed=False)),
        "overrides": Count("pk", filter=Q(overridden_by__isnull=False)),
    }
    add(
        ContactAttempt.objects.filter(started_at__gte=start, started_at__lt=end)
        .values(**_slice("case__account__"), collector_ref=F("agent"), bucket_code=_morning_bucket("case__"))
        .annotate(**attempt_figures)
        .order_by(),
        attempt_figures,
    )
    add(
        PromiseToPay.objects.filter(created_at__gte=start, created_at__lt=end)
        .values(**_slice("case__account__"), collector_ref=F("created_by"), bucket_code=_morning_bucket("case__"))
        .annotate(promises_made=Count("pk"))
        .order_by(),
        ["promises_made"],
    )
    settled = [PromiseToPay.Status.KEPT, PromiseToPay.Status.BROKEN]
    add(
        PromiseToPay.objects.filter(due_date=day, status__in=settled)
        .values(
            **_slice("case__account__"),
            collector_ref=F("case__assigned_collector"),
            bucket_code=_morning_bucket("case__"),
        )
        .annotate(promises_due=Count("pk"), promises_kept=Count("pk", filter=Q(status=PromiseToPay.Status.KEPT)))
        .order_by(),
        ["promises_due", "promises_kept"],
    )
    live_then = Q(account__cases__closed_at__isnull=True) | Q(account__cases__closed_at__gte=start)
    add(
        Payment.objects.filter(live_then, paid_at__gte=start, paid_at__lt=end)
        .values(
            profile_code=F("account__borrower__policy_profile_code"),
            product_name=F("account__product"),
            currency_code=F("currency"),
            collector_ref=F("account__cases__assigned_collector"),
            bucket_code=_morning_bucket("account__cases__"),
        )
        .annotate(collected=Sum("amount"))
        .order_by(),
        ["collected"],
    )
    for model, moment, names in ((Complaint, "received_at", "complaints"), (Finding, "detected_at", "findings")):
        add(
            model.objects.filter(**{f"{moment}__gte": start, f"{moment}__lt": end})
            .values(
                profile_code=Coalesce(
                    F("case__account__borrower__policy_profile_code"), F("borrower__policy_profile_code"), Value("")
                ),
                product_name=F("case__account__product"),
                currency_code=F("case__account__currency"),
                collector_ref=F("agent"),
                bucket_code=Coalesce(F("case__kpi_bucket__bucket"), Value(Bucket.CURRENT)),
            )
            .annotate(**{names: Count("pk")})
            .order_by(),
            [names],
        )
    ActivitySnapshot.objects.filter(day=day).delete()
    ActivitySnapshot.objects.bulk_create(
        ActivitySnapshot(
            day=day,
            profile=profile,
            product=product,
            currency=currency,
            collector_id=collector,
            bucket=bucket,
            **values,
        )
        for (profile, product, currency, collector, bucket), values in figures.items()
    )
    return len(figures)


def backfill(days: int, now: datetime | None = None) -> dict[str, int]:
    """Snapshots for the ``days`` mornings before today and today, rebuilt from the cases
    as they stand: a case's days past due on a past morning counted back from its oldest
    unpaid due date (from its stored days past due, or for a closed case from the day it
    was opened); moves between consecutive mornings; the activity exactly from the rows.
    For the demo and a first install — the nightly step takes over from today. Replaces
    any snapshot of those days.

    The cases are streamed once: a case's bucket only changes where its days past due
    cross a bucket's edge, so each case adds a few segments (counted by difference
    arrays), not one row per day — a million cases over 60 days stay a few seconds."""
    today = timezone.localdate(now or timezone.now())
    first = today - timedelta(days=days)
    mornings = days + 1
    count_diff: dict[tuple, list[int]] = defaultdict(lambda: [0] * (mornings + 1))
    owed_diff: dict[tuple, list[Decimal]] = defaultdict(lambda: [ZERO] * (mornings + 1))
    moves: dict[tuple, list] = defaultdict(lambda: [0, ZERO])
    facts = CollectionCase.objects.values_list(
        "state",
        "opened_at",
        "closed_at",
        "assigned_collector",
        "account__oldest_unpaid_due_date",
        "account__days_past_due",
        "account__borrower__policy_profile_code",
        "account__product",
        "account__currency",
        "account__outstanding_principal",
        "account__outstanding_interest",
        "account__outstanding_fees",
    )
    for state, opened_at, closed_at, collector, oldest_due, dpd, profile, product, currency, *owed in facts.iterator(
        chunk_size=5000
    ):
        key = (profile, product, currency, collector)
        balance = sum(owed, ZERO)
        opened = timezone.localdate(opened_at)
        since = max((opened - first).days, 0)
        until = min((timezone.localdate(closed_at) - first).days, mornings) if closed_at else mornings
        if since >= mornings or until <= 0:
            continue
        if closed_at is None and oldest_due:
            late_first = (first - oldest_due).days
        elif closed_at is None:
            late_first = dpd - days
        else:
            late_first = (first - opened).days + 1
        was = Bucket.OPENED if since > 0 else None
        for start, end, bucket in _segments(late_first, since, until):
            count_diff[key + (bucket,)][start] += 1
            count_diff[key + (bucket,)][end] -= 1
            owed_diff[key + (bucket,)][start] += balance
            owed_diff[key + (bucket,)][end] -= balance
            if was is not None:
                _add(moves[(start,) + key + (was, bucket)], balance)
            was = bucket
        if closed_at is not None and until < mornings:
            end_bucket = Bucket.PAID if state == CaseState.RESOLVED else Bucket.WRITTEN_OFF
            _add(moves[(until,) + key + (was, end_bucket)], balance)
    with transaction.atomic():
        for model in (BookSnapshot, BucketMove, SnapshotDay):
            model.objects.filter(day__gte=first, day__lte=today).delete()
        written = _write_backfill(first, mornings, count_diff, owed_diff, moves)
        for offset in range(mornings):
            written += write_activity(first + timedelta(days=offset - 1))
        # The nightly step compares tomorrow with today's buckets as the ORM sees them.
        CaseBucket.objects.all().delete()
        _upsert_case_buckets(
            CollectionCase.objects.open().annotate(now_bucket=bucket_expression()).values_list("pk", "now_bucket")
        )
    return {"days": mornings, "rows": written}


def _segments(late_first: int, since: int, until: int):
    """(first morning, morning after the last, bucket) of each stretch of the mornings
    since … until-1 that a case spends in one bucket, its days past due on morning i
    being late_first + i."""
    start = since
    while start < until:
        late = max(late_first + start, 0)
        bucket = bucket_of(late)
        edges = [lowest for lowest, _ in DPD_BUCKETS if lowest > late]
        next_edge = min(edges) if edges else None
        end = until if next_edge is None else min(until, start + (next_edge - late))
        if late_first + start < 0:  # not yet overdue: current until day 1
            end = min(until, start - (late_first + start) + 1)
        yield start, end, bucket
        start = end


def _add(slot: list, balance: Decimal) -> None:
    slot[0] += 1
    slot[1] += balance


def _write_backfill(first: date, mornings: int, count_diff: dict, owed_diff: dict, moves: dict) -> int:
    SnapshotDay.objects.bulk_create(
        SnapshotDay(day=first + timedelta(days=i), baseline=i == 0, backfilled=True) for i in range(mornings)
    )
    books = []
    for (profile, product, currency, collector, bucket), counts in count_diff.items():
        accounts, owed = 0, ZERO
        for i in range(mornings):
            accounts += counts[i]
            owed += owed_diff[(profile, product, currency, collector, bucket)][i]
            if accounts:
                books.append(
                    BookSnapshot(
                        day=first + timedelta(days=i),
                        profile=profile,
                        product=product,
                        currency=currency,
                        collector_id=collector,
                        bucket=bucket,
                        accounts=accounts,
                        balance=owed,
                    )
                )
    BookSnapshot.objects.bulk_create(books, batch_size=5000)
    BucketMove.objects.bulk_create(
        (
            BucketMove(
                day=first + timedelta(days=i),
                profile=profile,
                product=product,
                currency=currency,
                collector_id=collector,
                from_bucket=was,
                to_bucket=now,
                accounts=count,
                balance=owed,
            )
            for (i, profile, product, currency, collector, was, now), (count, owed) in moves.items()
        ),
        batch_size=5000,
    )
    return len(books) + len(moves)
