"""What reviewers read is what was sealed: a live evidence row changed, inserted or deleted
behind the application's back is named by the verifier — table, id and field — even
though every history row and ledger link is intact."""

from datetime import timedelta
from decimal import Decimal

from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone
import pytest

from audit.ledger import seal_pending, verify_chain
from cases import jobs
from cases import services as case_services
from cases.models import CaseState, CollectionCase, Hold, Installment, Payment, PromiseToPay, RepaymentPlan
from contacts.models import ContactAttempt
from tests.clock import ago
from tests.factories import climb_to, create_case, make_attempt


def _live_problems():
    seal_pending()
    report = verify_chain()
    return [(p.table, p.row_pk, p.field) for p in report.problems if p.kind == "live"], report


@pytest.fixture
def phone_case(db, collector):
    return climb_to(create_case(dpd=40, collector=collector), CaseState.PHONE, by=collector)


def test_an_untouched_book_agrees_with_its_sealed_history(phone_case, collector):
    make_attempt(phone_case, ago(days=1), allowed=False, reasons=["outside_hours"])
    case_services.record_promise(phone_case, Decimal("100"), timezone.localdate(), by=collector)
    problems, report = _live_problems()
    assert problems == [] and report.ok, report.summary()
    assert report.live_rows_checked >= 3 and "live evidence row(s) agree" in report.summary()


def test_a_refused_attempt_rewritten_as_allowed_is_named_field_by_field(phone_case):
    attempt = make_attempt(phone_case, ago(days=1), allowed=False, reasons=["outside_hours"])
    # The forgery: a blocked 23:00 call made to look like an allowed one at another time.
    ContactAttempt.objects.filter(pk=attempt.pk).update(
        allowed=True, reasons=[], started_at=ago(days=1, hours=10), note="borrower asked to be called"
    )
    problems, report = _live_problems()
    named = {field for table, pk, field in problems if (table, pk) == ("contacts_contactattempt", attempt.pk)}
    assert named == {"allowed", "reasons", "started_at", "note"}
    assert not report.ok and "changed outside the application" in str(report.first_problem)
    # The history rows and the chain itself are untouched: only the live check can see it.
    assert {p.kind for p in report.problems} == {"live"}


@pytest.mark.parametrize(
    "forge, table, field",
    [
        (lambda case: Hold.objects.filter(case=case).update(note="no dispute"), "cases_hold", "note"),
        (
            lambda case: PromiseToPay.objects.filter(case=case).update(amount=Decimal("5000.00")),
            "cases_promisetopay",
            "amount",
        ),
        (
            lambda case: Payment.objects.filter(account=case.account).update(amount=Decimal("1.00")),
            "cases_payment",
            "amount",
        ),
        (lambda case: CollectionCase.objects.filter(pk=case.pk).update(state="legal"), "cases_collectioncase", "state"),
    ],
)
def test_each_evidence_table_names_the_changed_field(phone_case, collector, supervisor, forge, table, field):
    case_services.record_payment(phone_case.account, Decimal("10.00"), timezone.now(), "PAY-1")
    case_services.record_promise(phone_case, Decimal("100"), timezone.localdate(), by=collector)
    case_services.place_hold(
        CollectionCase.objects.get(pk=phone_case.pk), Hold.Kind.DISPUTE, by=supervisor, note="disputes"
    )
    assert _live_problems()[0] == []
    forge(phone_case)
    problems, _ = _live_problems()
    assert (table, field) in {(t, f) for t, _, f in problems}


def test_a_deleted_attempt_and_a_row_inserted_without_history_are_named(phone_case):
    deleted = make_attempt(phone_case, ago(days=2), allowed=False, reasons=["daily_cap"])
    kept = make_attempt(phone_case, ago(days=1))
    with connection.cursor() as cursor:  # raw SQL: no signal, so no history row
        cursor.execute("DELETE FROM contacts_contactattempt WHERE id = %s", [deleted.pk])
    inserted = ContactAttempt.objects.bulk_create(
        [
            ContactAttempt(
                case=phone_case, borrower=kept.borrower, channel=kept.channel, allowed=True, profile=kept.profile
            )
        ]
    )[0]
    problems, report = _live_problems()
    assert ("contacts_contactattempt", deleted.pk, "") in problems
    assert ("contacts_contactattempt", inserted.pk, "") in problems
    details = {p.row_pk: p.detail for p in report.problems if p.kind == "live"}
    assert "never deleted" in details[deleted.pk] and "no history" in details[inserted.pk]


def test_the_command_names_table_id_and_field(phone_case):
    attempt = make_attempt(phone_case, ago(days=1), allowed=False, reasons=["outside_hours"])
    ContactAttempt.objects.filter(pk=attempt.pk).update(note="rewritten")
    seal_pending()
    with pytest.raises(CommandError) as broken:
        call_command("verify_audit_chain")
    assert f"table=contacts_contactattempt pk={attempt.pk} seq=- field=note (live)" in str(broken.value)


def test_a_missed_instalment_is_recorded_with_its_history(phone_case, collector):
    """The nightly cycle marks missed instalments row by row with history, so the plan it
    breaks still agrees with what was sealed."""
    today = timezone.localdate()
    plan = case_services.agree_repayment_plan(
        phone_case, [(today, Decimal("500")), (today + timedelta(days=30), Decimal("500"))], by=collector
    )
    assert plan.status == RepaymentPlan.Status.ACTIVE  # within policy: each instalment 10% of the 5,000 owed
    counts = jobs.check_promises(timezone.now() + timedelta(days=1))
    assert counts["instalments_missed"] == 1
    assert RepaymentPlan.objects.get(pk=plan.pk).status == RepaymentPlan.Status.BROKEN
    missed = Installment.objects.get(plan=plan, status=Installment.Status.MISSED)
    assert Installment.history.filter(id=missed.pk).latest("history_id").status == Installment.Status.MISSED
    problems, report = _live_problems()
    assert problems == [] and report.ok, report.summary()
