from datetime import timedelta
from decimal import Decimal

from django.utils import timezone
import pytest

from cases import services
from cases.event_text import EventCode, describe
from cases.exceptions import CaseAlreadyOpen, InvalidPayment, PaymentConflict, TransitionRefused
from cases.models import CLOSED_STATES, CaseEvent, CaseState, CollectionCase, LoanAccount, Payment, PromiseToPay
from tests.factories import climb_to, create_case


def test_same_reference_twice_records_one_payment(db):
    case = create_case(dpd=20)
    paid_at = timezone.now() - timedelta(hours=1)
    first = services.record_payment(case.account, Decimal("100.00"), paid_at, "BANK-1")
    again = services.record_payment(case.account, Decimal("100.00"), paid_at, "BANK-1")
    assert first.pk == again.pk
    assert Payment.objects.filter(reference="BANK-1").count() == 1
    assert LoanAccount.objects.get(pk=case.account.pk).outstanding_total == Decimal("4900.00")


def test_same_reference_with_other_details_is_a_conflict(db):
    case = create_case(dpd=20)
    other = create_case(dpd=20)
    services.record_payment(case.account, Decimal("100.00"), timezone.now(), "BANK-2")
    with pytest.raises(PaymentConflict):
        services.record_payment(case.account, Decimal("150.00"), timezone.now(), "BANK-2")
    with pytest.raises(PaymentConflict):
        services.record_payment(other.account, Decimal("100.00"), timezone.now(), "BANK-2")
    assert LoanAccount.objects.get(pk=other.account.pk).outstanding_total == Decimal("5000.00")


def test_payment_applies_to_fees_then_interest_then_principal(db):
    case = create_case(dpd=20)
    LoanAccount.objects.filter(pk=case.account.pk).update(
        outstanding_fees=Decimal("50"), outstanding_interest=Decimal("30")
    )
    payment = services.record_payment(LoanAccount.objects.get(pk=case.account.pk), "100.00", timezone.now(), "P-3")
    assert (payment.applied_fees, payment.applied_interest, payment.applied_principal) == (50, 30, 20)
    account = LoanAccount.objects.get(pk=case.account.pk)
    assert (account.outstanding_fees, account.outstanding_interest, account.outstanding_principal) == (
        0,
        0,
        Decimal("4980"),
    )


def test_full_repayment_resolves_the_case_in_the_same_transaction(db, collector):
    case = create_case(dpd=40, collector=collector)
    climb_to(case, CaseState.PHONE, by=collector)
    services.record_promise(case, Decimal("1000"), timezone.localdate() + timedelta(days=3), by=collector)
    services.record_payment(case.account, Decimal("5000.00"), timezone.now(), "PAYOFF-1")
    case = CollectionCase.objects.get(pk=case.pk)
    assert case.state == CaseState.RESOLVED
    assert case.closed_at is not None
    account = case.account
    assert account.outstanding_total == 0 and account.days_past_due == 0 and account.oldest_unpaid_due_date is None
    assert case.promises.get().status == PromiseToPay.Status.KEPT
    resolution = case.events.get(to_state=CaseState.RESOLVED)
    assert resolution.actor is None and resolution.code == EventCode.PAID_IN_FULL
    assert describe(resolution) == "Paid in full by payment PAYOFF-1."


def test_overpayment_is_kept_as_credit(db):
    case = create_case(dpd=20, outstanding=Decimal("300"))
    payment = services.record_payment(case.account, Decimal("350"), timezone.now(), "OVER-1")
    assert payment.unapplied == Decimal("50")
    assert CollectionCase.objects.get(pk=case.pk).state == CaseState.RESOLVED


@pytest.mark.parametrize(
    "amount, paid_at, reference, message",
    [
        (Decimal("0"), None, "R", "positive"),
        (Decimal("-5"), None, "R", "positive"),
        (Decimal("1.234"), None, "R", "two decimal places"),
        ("abc", None, "R", "not an amount"),
        (Decimal("5"), None, "  ", "reference"),
        (Decimal("5"), "future", "R", "future"),
        (Decimal("5"), "naive", "R", "timezone-aware"),
    ],
)
def test_bad_payments_are_refused_and_change_nothing(db, amount, paid_at, reference, message):
    case = create_case(dpd=20)
    when = {
        None: timezone.now(),
        "future": timezone.now() + timedelta(days=1),
        "naive": timezone.now().replace(tzinfo=None),
    }[paid_at]
    with pytest.raises(InvalidPayment, match=message):
        services.record_payment(case.account, amount, when, reference)
    assert Payment.objects.count() == 0
    assert LoanAccount.objects.get(pk=case.account.pk).outstanding_total == Decimal("5000.00")


def test_payment_in_another_currency_is_refused(db):
    case = create_case(dpd=20)
    with pytest.raises(InvalidPayment, match="USD"):
        services.record_payment(case.account, Decimal("10"), timezone.now(), "FX-1", currency="USD")


def test_a_resolved_case_accepts_no_transition(db, supervisor):
    case = create_case(dpd=40)
    services.record_payment(case.account, Decimal("5000.00"), timezone.now(), "PAYOFF-2")
    case = CollectionCase.objects.get(pk=case.pk)
    for transition in case.get_all_state_transitions():
        with pytest.raises(TransitionRefused, match="not possible from Resolved"):
            services.apply_transition(case, transition.name, by=supervisor, reason="try to leave resolved")
    assert CollectionCase.objects.get(pk=case.pk).state == CaseState.RESOLVED


def test_reopening_means_a_new_case_for_the_account(db):
    """Terminal states stay terminal; renewed delinquency opens a fresh case."""
    case = create_case(dpd=40)
    with pytest.raises(CaseAlreadyOpen):
        services.open_case(case.account)
    services.record_payment(case.account, Decimal("5000.00"), timezone.now(), "PAYOFF-3")
    fresh = services.open_case(LoanAccount.objects.get(pk=case.account.pk))
    assert fresh.pk != case.pk and fresh.state == CaseState.NEW
    assert CollectionCase.objects.filter(account=case.account).exclude(state__in=CLOSED_STATES).count() == 1
    assert fresh.events.get().kind == CaseEvent.Kind.OPENED


def test_partial_payment_keeps_a_covered_promise_and_ends_the_arrangement(db, collector):
    case = create_case(dpd=20, collector=collector)
    climb_to(case, CaseState.PHONE, by=collector)
    services.record_promise(case, Decimal("500"), timezone.localdate() + timedelta(days=5), by=collector)
    assert CollectionCase.objects.get(pk=case.pk).state == CaseState.ARRANGEMENT
    services.record_payment(case.account, Decimal("500"), timezone.now(), "PTP-1")
    case = CollectionCase.objects.get(pk=case.pk)
    assert case.promises.get().status == PromiseToPay.Status.KEPT
    assert case.state == CaseState.PHONE
