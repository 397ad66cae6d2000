"""
The scale benchmark end to end on a tiny book: generation, every measurement, and a
report in which every section produced a number (timings are not asserted here: the
numbers that matter come from `manage.py bench` on a real-size book, bench/README.md).
"""

from django.db import connection
import phonenumbers
import pytest

from api.models import ApiCall
from bench.bulk import BenchError
from bench.runner import check_database, missing_numbers, run
from cases.models import Borrower, CollectionCase, ContactPoint, LoanAccount, Payment
from contacts.models import ContactAttempt
from desk.jobs import NIGHT_STEPS

pytestmark = pytest.mark.postgres


@pytest.mark.slow
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_bench_generates_a_book_and_measures_every_section():
    report = run(300, check_contact_calls=100, admin_requests=2, api_calls=100, progress=lambda message: None)

    assert missing_numbers(report) == []
    # The whole night, step by step in the cycle's own order, against its floor.
    night = report["refresh_delinquency"]
    assert list(night["whole_night"]["steps"]) == [name for name, _step in NIGHT_STEPS]
    assert night["whole_night"]["row_writes"]["cases_loanaccount"] > 0
    assert 0 < night["night_floor"]["dpd_update_seconds"] < night["night_floor"]["seconds"]
    assert night["night_ratio_to_floor"] == round(night["whole_night"]["seconds"] / night["night_floor"]["seconds"], 2)
    assert missing_numbers({**report, "check_contact": {}})[0].startswith("check_contact.p50_ms")
    assert report["cases"] == CollectionCase.objects.count() == 300
    assert report["contact_attempts"] == ContactAttempt.objects.count()
    # A message deferred to an instant reached during the run is processed again: >=.
    assert report["outbox"]["dispatch"]["processed"] >= report["outbox"]["dispatch"]["due"] >= 1
    # Each run's messages and attempts were deleted (the foreign keys checked set-based).
    outbox = report["outbox"]
    assert [outbox["cleanup"], outbox["processes"]["one"]["cleanup"], outbox["processes"]["two"]["cleanup"]] == [
        "deleted"
    ] * 3
    assert all(isinstance(passed, bool) for passed in report["targets"].values())
    for page in report["admin"].values():
        assert page["status"] == 200
    assert report["admin"]["search_loan_number"]["finds_case"] is True
    # The dashboard read a month of backfilled snapshots; tonight's step found the book.
    assert report["kpi"]["history"]["backfilled"] is True
    assert report["kpi"]["history"]["rows"]["desk_booksnapshot"] > 0
    assert report["kpi"]["snapshot_step"]["counts"]["stock_rows"] > 0
    assert {report["kpi"][page]["status"] for page in ("dashboard", "dashboard_profile", "dashboard_collector")} == {
        200
    }
    _assert_api_section(report["api"])

    # The book is one the product would have written: valid E.164 phones, consistent keys.
    for value in ContactPoint.objects.filter(kind="phone").values_list("value", flat=True):
        assert phonenumbers.is_valid_number(phonenumbers.parse(value)), value
    assert not ContactAttempt.objects.exclude(borrower_id=_case_borrower()).exists()
    assert Borrower.objects.filter(policy_profile_code="CN").count() > Borrower.objects.count() / 2
    assert LoanAccount.objects.filter(days_past_due__gt=0).exists()
    # Sequences were moved past the copied ids: the ORM can insert after COPY.
    borrower = Borrower.objects.create(full_name="After the bench")
    assert borrower.pk > max(Borrower.objects.exclude(pk=borrower.pk).values_list("pk", flat=True))

    # Measured again without regenerating: the book was left as generated.
    again = run(300, reuse=True, check_contact_calls=20, admin_requests=1, api_calls=20, progress=lambda message: None)
    assert again["reused"] is True
    assert again["kpi"]["history"]["backfilled"] is False  # the snapshots were kept with the book
    assert again["refresh_delinquency"]["first_run"]["counts"] == report["refresh_delinquency"]["first_run"]["counts"]


def _assert_api_section(api):
    """Every call answered as a client would want; the payoffs stopped contact in the call;
    the payments were undone afterwards (the reuse run below measures the same book)."""
    check, batch, paid, payoff = api["contact_check"], api["contact_check_batch"], api["payments"], api["payoff"]
    assert check["statuses"] == {"200": 100}
    assert 0 < check["p50_ms"] <= check["p95_ms"] <= check["p99_ms"] <= check["max_ms"]
    assert check["queries_per_call"] >= 1
    assert batch["statuses"] == {"200": 2} and batch["loan_numbers_per_batch"] == 1000
    # 1,000 loan numbers drawn from a book of 300: each batch decides each case once.
    assert 0 < batch["decisions"] <= 2 * 300 and batch["decisions_per_second"] > 0
    assert paid["statuses"] == {"201": 25} and paid["recorded"] == 25 and paid["payments_per_second"] > 0
    assert paid["queries_per_payment"] >= 1 and paid["p50_ms"] <= paid["p99_ms"]
    assert payoff["payoffs"] == payoff["answered_case_resolved"] == 5
    assert payoff["messages_suppressed"] == payoff["messages_scheduled_before"] > 0
    assert payoff["contact_stopped_in_call"] is True and payoff["cleanup"] == "undone"
    assert not Payment.objects.filter(source=Payment.Source.API).exists()
    assert ApiCall.objects.filter(client__name="bench").count() >= 100 + 2 + 25 + 5


def _case_borrower():
    from django.db.models import OuterRef, Subquery

    return Subquery(CollectionCase.objects.filter(pk=OuterRef("case_id")).values("account__borrower_id")[:1])


@pytest.mark.django_db
def test_bench_refuses_a_database_not_named_for_it(monkeypatch):
    monkeypatch.setitem(connection.settings_dict, "NAME", "collections_production")
    with pytest.raises(BenchError, match="must start with 'bench'"):
        check_database()
    check_database(force=True)  # the explicit override is honoured
