"""Default charges capped per profile (POLICY.md second edition; EU CCD2 art. 35): refused
when posted above the borrower's profile's cap (nothing written), refused at the loan feed
import as a problem on its line (nothing imported), accepted at the cap, uncapped where the
profile sets none."""

from decimal import Decimal
import io

from django.utils import translation
import pytest

from cases import services
from cases.imports import import_csv
from cases.imports.messages import stored_error_text
from cases.models import CaseEvent, LoanAccount
from core.exceptions import NotPermitted
from policy.models import PolicyProfile
from policy.selectors import current_profile
from tests.factories import create_case
from tests.feeds import SMITH, WANG, accounts_csv


@pytest.fixture
def capped_at_50(db):
    """EU-CCD2 with a cap of 50 (the shipped 0 leaves no room for "at the cap")."""
    PolicyProfile.objects.filter(pk=current_profile("EU-CCD2").pk).update(default_charge_cap=Decimal("50.00"))
    from policy.selectors import clear_profile_cache

    clear_profile_cache()
    yield current_profile("EU-CCD2")
    clear_profile_cache()


def fees_of(account) -> Decimal:
    return LoanAccount.objects.get(pk=account.pk).outstanding_fees


def test_a_charge_above_the_cap_is_refused_and_nothing_is_written(db, supervisor, capped_at_50):
    case = create_case(dpd=40, profile="EU-CCD2", currency="EUR")
    services.post_default_charge(case.account, "30.00", "Returned direct debit", by=supervisor)
    history = LoanAccount.history.filter(id=case.account_id).count()
    with pytest.raises(services.DefaultChargeCapExceeded) as refusal, translation.override("en"):
        services.post_default_charge(case.account, "20.01", "Second returned direct debit", by=supervisor)
    assert "€50.01" in str(refusal.value) and "€50.00" in str(refusal.value)
    assert fees_of(case.account) == Decimal("30.00")
    assert LoanAccount.history.filter(id=case.account_id).count() == history
    assert CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.CHARGE).count() == 1


def test_a_charge_up_to_the_cap_is_accepted(db, supervisor, capped_at_50):
    case = create_case(dpd=40, profile="EU-CCD2", currency="EUR")
    services.post_default_charge(case.account, "30.00", "Returned direct debit", by=supervisor)
    services.post_default_charge(case.account, "20.00", "Second returned direct debit", by=supervisor)
    assert fees_of(case.account) == Decimal("50.00")
    event = CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.CHARGE).last()
    assert event.params == {"amount": "20.00", "currency": "EUR", "fees": "50.00"}


def test_the_shipped_eu_cap_allows_no_default_charge_and_cn_none_is_uncapped(db, supervisor):
    eu = create_case(dpd=40, profile="EU-CCD2", currency="EUR")
    with pytest.raises(services.DefaultChargeCapExceeded):
        services.post_default_charge(eu.account, "0.01", "Late fee", by=supervisor)
    cn = create_case(dpd=40, profile="CN")
    services.post_default_charge(cn.account, "5000.00", "Late fee as the contract says", by=supervisor)
    assert fees_of(eu.account) == 0 and fees_of(cn.account) == Decimal("5000.00")


def test_only_supervisors_post_default_charges(db, collector):
    case = create_case(dpd=40, collector=collector)
    with pytest.raises(NotPermitted):
        services.post_default_charge(case.account, "10.00", "Late fee", by=collector)
    assert fees_of(case.account) == 0


# --- the loan feed --------------------------------------------------------------------------------


def eu_row(fees: str) -> dict:
    return {**SMITH, "policy_profile_code": "EU-CCD2", "currency": "EUR", "outstanding_fees": fees}


def test_the_feed_refuses_fees_above_the_cap_on_their_line_and_imports_nothing(db, capped_at_50):
    result = import_csv(io.StringIO(accounts_csv(WANG, eu_row("50.01"))), "accounts")
    assert not result.ok and LoanAccount.objects.count() == 0
    (problem,) = result.errors
    assert (problem.row_number, problem.field, problem.code) == (3, "outstanding_fees", "fees_over_cap")
    assert problem.params == {"fees": "50.01", "cap": "50.00", "currency": "EUR", "profile": capped_at_50.label}
    with translation.override("en"):
        line, column, sentence = stored_error_text([3, "outstanding_fees", problem.code, problem.params])
    assert sentence == f"Fees of €50.01 are more than the €50.00 of default charges {capped_at_50.label} allows."


def test_the_feed_accepts_fees_at_the_cap(db, capped_at_50):
    result = import_csv(io.StringIO(accounts_csv(WANG, eu_row("50.00"))), "accounts")
    assert result.ok, result.errors
    assert LoanAccount.objects.get(loan_number=SMITH["loan_number"]).outstanding_fees == Decimal("50.00")


def test_the_feed_carries_the_last_acknowledgement_and_never_moves_it_back(db):
    assert import_csv(io.StringIO(accounts_csv(WANG)), "accounts").ok
    account = LoanAccount.objects.get(loan_number=WANG["loan_number"])
    assert account.last_acknowledged_on.isoformat() == WANG["last_acknowledged_on"]
    assert import_csv(io.StringIO(accounts_csv({**WANG, "last_acknowledged_on": "2025-01-01"})), "accounts").ok
    assert LoanAccount.objects.get(pk=account.pk).last_acknowledged_on.isoformat() == WANG["last_acknowledged_on"]
