"""The dashboard's KPIs on a crafted book, night by night through the real nightly steps,
against figures worked out by hand.

The book (profile CN, CNY, all cases the collector's), on the first morning T:

    A  DPD   5  owes  5,000  pays it all on T+1          -> cures (1–30 -> paid)
    B  DPD  60  owes  8,000                              -> 31–60 -> 61–90 (T+1) -> 91–180 (T+31)
    C  DPD 100  owes 10,000  promised 1,000 due T+1, paid T+1  -> promise kept
    D  DPD 120  owes 10,000  promised 1,000 due T+1, unpaid    -> promise broken
    E  DPD 200  owes  3,000  five calls on T+1 (two reached the borrower, one an
                             override), one refused, one complaint about the collector
and F (UK-FCA, GBP 2,000, DPD 40, another collector), outside the CN scope.
The period is T … T+30: activity of those days, moves of the nights up to the morning
of T+31.
"""

from datetime import datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone
import pytest

from cases import jobs as case_jobs
from cases import services as case_services
from compliance import services as compliance_services
from desk import kpis, snapshots
from desk.buckets import Bucket
from desk.kpi_models import BookSnapshot, BucketMove, SnapshotDay
from policy.codes import Outcome
from tests.clock import frozen
from tests.factories import create_case, make_attempt

pytestmark = pytest.mark.slow


def at(day, hour, minute=0):
    return datetime.combine(day, time(hour, minute), tzinfo=timezone.get_current_timezone())


def run_night(day):
    now = at(day, 1, 30)
    with frozen(now):
        case_jobs.check_promises(now)
        case_jobs.refresh_delinquency(now)
        return snapshots.take_snapshot(now)


@pytest.fixture
def book(db, collector, other_collector, supervisor, reviewer):
    today = timezone.localdate()
    cases = {
        "A": create_case(dpd=5, outstanding=Decimal("5000"), collector=collector),
        "B": create_case(dpd=60, outstanding=Decimal("8000"), collector=collector),
        "C": create_case(dpd=100, outstanding=Decimal("10000"), collector=collector),
        "D": create_case(dpd=120, outstanding=Decimal("10000"), collector=collector),
        "E": create_case(dpd=200, outstanding=Decimal("3000"), collector=collector),
        "F": create_case(
            dpd=40, outstanding=Decimal("2000"), collector=other_collector, profile="UK-FCA", currency="GBP"
        ),
    }
    for name in "CD":
        case_services.record_promise(cases[name], Decimal("1000"), today + timedelta(days=1), by=collector)
    call_day = today + timedelta(days=1)
    e = cases["E"]
    for hour, outcome in (
        (9, Outcome.NO_ANSWER),
        (10, Outcome.NO_ANSWER),
        (11, Outcome.RIGHT_PARTY),
        (14, Outcome.PROMISE_TO_PAY),
    ):
        make_attempt(e, at(call_day, hour), agent=collector, outcome=outcome, conversation=outcome != Outcome.NO_ANSWER)
    make_attempt(e, at(call_day, 15), agent=collector, overridden_by=supervisor, reasons=["outside_hours"])
    make_attempt(e, at(call_day, 16), agent=collector, allowed=False, reasons=["daily_cap"])
    run_night(today)
    run_night(call_day)
    with frozen(at(call_day, 11)):
        case_services.record_payment(cases["A"].account, Decimal("5000"), at(call_day, 10), "pay-A")
        case_services.record_payment(cases["C"].account, Decimal("1000"), at(call_day, 10, 30), "pay-C")
    with frozen(at(call_day, 18)):
        compliance_services.record_complaint(
            by=reviewer,
            borrower=e.account.borrower,
            case=e,
            channel="phone",
            category="harassment",
            description="Called too often.",
            received_at=at(call_day, 17),
            agent=collector,
        )
    for offset in range(2, 32):
        run_night(today + timedelta(days=offset))
    return today, cases


def test_each_kpi_matches_the_hand_computed_figures(book, collector):
    today, _ = book
    board = kpis.dashboard(kpis.Scope(start=today, end=today + timedelta(days=30), profile="CN"))

    assert (board.first_morning, board.last_morning) == (today, today + timedelta(days=31))
    book_now = {row.bucket: (row.accounts, row.balance.get("CNY", Decimal("0"))) for row in board.book}
    assert book_now[Bucket.B91_180] == (3, Decimal("27000.00"))  # B 8,000 + C 9,000 + D 10,000
    assert book_now[Bucket.B181_PLUS] == (1, Decimal("3000.00"))
    assert book_now[Bucket.B1_30][0] == book_now[Bucket.B31_60][0] == book_now[Bucket.B61_90][0] == 0
    assert board.trend[0][1] == 5 and board.trend[-1][1] == 4 and len(board.trend) == 32

    flows = {row.bucket: row for row in board.flows}
    assert (flows[Bucket.B1_30].population, flows[Bucket.B1_30].cured, flows[Bucket.B1_30].cure_rate) == (1, 1, 1)
    assert (flows[Bucket.B31_60].rolled, flows[Bucket.B31_60].roll_rate) == (1, 1)
    # B arrived in 61–90 on T+1 and rolled on to 91–180 on T+31: it counts in both rows.
    assert (flows[Bucket.B61_90].at_start, flows[Bucket.B61_90].arrived, flows[Bucket.B61_90].rolled) == (0, 1, 1)
    assert (flows[Bucket.B91_180].population, flows[Bucket.B91_180].stayed) == (3, 3)
    assert flows[Bucket.B91_180].roll_rate == 0
    assert board.cure_rate == Decimal("0.2")  # A, of the five delinquent on the first morning

    assert board.totals["calls"] == 5 and board.totals["right_party_contacts"] == 2
    assert board.right_party_rate == Decimal("0.4")
    assert board.totals["promises_made"] == 2 and board.promise_rate == 1
    assert (board.totals["promises_due"], board.totals["promises_kept"], board.promise_kept_rate) == (
        2,
        1,
        Decimal("0.5"),
    )
    assert board.collected == {"CNY": Decimal("6000.00")}
    liquidation = {(bucket, currency): (got, owed, share) for bucket, currency, got, owed, share in board.liquidation}
    assert liquidation[(Bucket.B1_30, "CNY")] == (Decimal("5000.00"), Decimal("5000.00"), 1)
    assert liquidation[(Bucket.B91_180, "CNY")] == (Decimal("1000.00"), Decimal("20000.00"), Decimal("0.05"))
    assert liquidation[(Bucket.B31_60, "CNY")][2] == 0

    (person,) = board.collectors
    assert person.collector_id == collector.pk
    assert (person.calls, person.right_party_contacts, person.promises_made) == (5, 2, 2)
    assert (person.contacts, person.refused, person.overrides, person.complaints) == (5, 1, 1, 1)
    assert person.refused_rate == Decimal("1") / 6
    assert person.complaints_per_1000 == 200
    assert person.collected == {"CNY": Decimal("6000.00")}


def test_filters_select_their_slices(book, collector, other_collector):
    today, _ = book
    period = {"start": today, "end": today + timedelta(days=30)}
    everyone = kpis.dashboard(kpis.Scope(**period))
    flows = {row.bucket: row for row in everyone.flows}
    assert flows[Bucket.B31_60].at_start == 2  # B and F
    assert {currency for row in everyone.book for currency in row.balance} == {"CNY", "GBP"}
    theirs = kpis.dashboard(kpis.Scope(**period, collectors=[other_collector.pk]))
    assert [row.accounts for row in theirs.book if row.accounts] == [1]  # F, now 61–90
    assert theirs.collectors == []


def test_the_snapshot_step_is_idempotent(book):
    today, _ = book
    last = today + timedelta(days=31)
    before = (
        sorted(BookSnapshot.objects.filter(day=last).values_list("bucket", "accounts", "balance")),
        BucketMove.objects.filter(day=last).count(),
    )
    again = run_night(last)
    assert again["already_taken"] == 1 and again["move_rows"] == 0
    after = (
        sorted(BookSnapshot.objects.filter(day=last).values_list("bucket", "accounts", "balance")),
        BucketMove.objects.filter(day=last).count(),
    )
    assert after == before and before[1] >= 1
    assert SnapshotDay.objects.get(day=today).baseline and not SnapshotDay.objects.get(day=last).baseline


def test_backfill_counts_back_from_the_due_dates(db, collector):
    """A case 31 days late today was 30 (1–30) yesterday: one 1–30 → 31–60 move this
    morning; a case opened yesterday arrives from 'newly opened'; a paid one leaves."""
    today = timezone.localdate()
    older = create_case(dpd=31, outstanding=Decimal("700"), collector=collector)
    older.opened_at = at(today - timedelta(days=30), 9)
    older.save(update_fields=["opened_at"])
    young = create_case(dpd=2, collector=collector)
    young.opened_at = at(today - timedelta(days=1), 9)
    young.save(update_fields=["opened_at"])
    snapshots.backfill(3)
    moves = set(BucketMove.objects.values_list("day", "from_bucket", "to_bucket", "accounts"))
    assert (today, Bucket.B1_30, Bucket.B31_60, 1) in moves
    assert (today - timedelta(days=1), Bucket.OPENED, Bucket.B1_30, 1) in moves
    stock = dict(BookSnapshot.objects.filter(day=today - timedelta(days=3)).values_list("bucket", "accounts"))
    assert stock == {Bucket.B1_30: 1}  # the young case was not open yet
    assert SnapshotDay.objects.filter(backfilled=True).count() == 4
    # The nightly step carries on from the backfill: tomorrow compares with today's buckets.
    assert run_night(today + timedelta(days=1))["already_taken"] == 0
