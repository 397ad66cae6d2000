"""Time-barred debts (POLICY.md second edition; Reg F 1006.26): the limitation date counted
from the last payment or acknowledgement (or the oldest unpaid due date) plus the profile's
or the account's years, moved by payments and acknowledgements, and no legal referral once
it has passed."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone
import pytest

from cases import guards, services
from cases.models import CaseEvent, CaseState, CollectionCase, Limitation, LoanAccount
from core.exceptions import NotPermitted
from policy.selectors import current_profile
from tests.clock import SHANGHAI, frozen
from tests.factories import create_case

LAST_PAID = date(2020, 3, 10)  # + 6 years (US-REGF) = 10 March 2026


def at_noon(day: date) -> datetime:
    return datetime.combine(day, time(12), tzinfo=SHANGHAI)


def old_us_case() -> CollectionCase:
    """A US-REGF case ready for legal referral but for the debt's age: last paid 10 March
    2020, overdue since 2019, written notice sent."""
    case = create_case(dpd=10, profile="US-REGF", currency="USD")
    LoanAccount.objects.filter(pk=case.account_id).update(
        last_acknowledged_on=LAST_PAID, oldest_unpaid_due_date=date(2019, 1, 1), days_past_due=2000
    )
    CollectionCase.objects.filter(pk=case.pk).update(
        state=CaseState.FIELD_VISIT, ladder_rung=CaseState.FIELD_VISIT, written_notice_sent_at=at_noon(LAST_PAID)
    )
    return CollectionCase.objects.get(pk=case.pk)


# --- the date -------------------------------------------------------------------------------------


def test_the_limitation_date_and_what_it_was_counted_from(db):
    case = old_us_case()
    profile = current_profile("US-REGF")
    assert case.account.limitation(profile) == Limitation(
        on=date(2026, 3, 10),
        since=LAST_PAID,
        basis="acknowledged",
        years=6,
        account_override=False,
        profile=profile.label,
    )
    # Without a payment or acknowledgement: the oldest unpaid due date; CN counts 3 years.
    account = case.account
    account.last_acknowledged_on = None
    assert account.limitation(profile).on == date(2025, 1, 1)
    assert account.limitation(current_profile("CN")).on == date(2022, 1, 1)
    # US: configurable per account (the state's own period).
    account.limitation_years_override = 3
    assert account.limitation(profile) == Limitation(
        on=date(2022, 1, 1), since=date(2019, 1, 1), basis="due", years=3, account_override=True, profile=profile.label
    )


def test_no_limitation_date_when_the_profile_sets_no_period(db):
    case = old_us_case()
    profile = current_profile("US-REGF")
    profile.limitation_years = None
    assert case.account.limitation(profile) is None
    assert not case.account.time_barred_on(date(2099, 1, 1), profile)


def test_a_payment_moves_the_limitation_date(db):
    case = old_us_case()
    profile = current_profile("US-REGF")
    services.record_payment(case.account, Decimal("10.00"), timezone.now() - timedelta(days=2), "LIM-1")
    account = LoanAccount.objects.get(pk=case.account_id)
    two_days_ago = timezone.localdate() - timedelta(days=2)
    assert account.last_acknowledged_on == two_days_ago
    assert account.limitation_date(profile) == two_days_ago.replace(year=two_days_ago.year + 6)
    # A payment recorded late, dated before the last one, moves nothing back.
    services.record_payment(account, Decimal("10.00"), timezone.now() - timedelta(days=30), "LIM-2")
    assert LoanAccount.objects.get(pk=case.account_id).last_acknowledged_on == two_days_ago


def test_an_acknowledgement_moves_it_with_its_evidence(db, supervisor, collector):
    case = old_us_case()
    on = timezone.localdate() - timedelta(days=5)
    with pytest.raises(NotPermitted):
        services.record_acknowledgement(case.account, on=on, by=collector, evidence="Signed letter DOC-7")
    with pytest.raises(services.AcknowledgementError):
        services.record_acknowledgement(case.account, on=on, by=supervisor, evidence=" ")
    with pytest.raises(services.AcknowledgementError):
        services.record_acknowledgement(case.account, on=date(2019, 5, 1), by=supervisor, evidence="Old letter")
    services.record_acknowledgement(case.account, on=on, by=supervisor, evidence="Signed letter DOC-7")
    account = LoanAccount.objects.get(pk=case.account_id)
    assert account.last_acknowledged_on == on and account.acknowledgement_evidence == "Signed letter DOC-7"
    event = CaseEvent.objects.get(case=case, kind=CaseEvent.Kind.ACKNOWLEDGEMENT)
    assert event.params == {"on": on.isoformat()} and event.reason == "Signed letter DOC-7"


# --- the legal-referral guard ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "barred"),
    [(date(2026, 3, 9), False), (date(2026, 3, 10), False), (date(2026, 3, 11), True)],
)
def test_legal_referral_stops_the_day_after_the_limitation_date(db, today, barred):
    case = old_us_case()
    with frozen(at_noon(today)):
        result = guards.not_time_barred.evaluate(case)
        legal = [r.rule for r in services.check_transition(case, "refer_to_legal") if not r.passed]
    assert result.passed is not barred
    assert result.inputs["limitation_date"] == "2026-03-10"
    assert legal == (["not_time_barred"] if barred else [])


def test_a_time_barred_account_is_refused_at_legal_referral(db, supervisor):
    case = old_us_case()
    with frozen(at_noon(date(2026, 3, 11))):
        with pytest.raises(services.TransitionRefused, match="time-barred since") as refusal:
            services.escalate(case, by=supervisor, reason="Unpaid for years, refer to court.")
    assert [guard.rule for guard in refusal.value.failed_guards] == ["not_time_barred"]
    assert CollectionCase.objects.get(pk=case.pk).state == CaseState.FIELD_VISIT
    with frozen(at_noon(date(2026, 3, 10))):
        services.escalate(CollectionCase.objects.get(pk=case.pk), by=supervisor, reason="Last day to refer it.")
    assert CollectionCase.objects.get(pk=case.pk).state == CaseState.LEGAL
