"""Repayment plans within the policy profile's limits run at once; beyond them they wait
for a supervisor other than who agreed them, who approves or rejects them
(cases/services/arrangements.py, cases/plan_text.py). The case in these tests owes
CN¥5,000.00 under CN: at most 6 instalments, none below 5% (CN¥250.00), the first due
within 30 days."""

from datetime import date, timedelta
from decimal import Decimal

from django.utils import formats, timezone, translation
from hypothesis import given
from hypothesis import strategies as st
import pytest

from cases import services
from cases.event_text import EventCode, describe
from cases.exceptions import PlanError
from cases.models import CaseEvent, CaseState, CollectionCase, Installment, RepaymentPlan
from cases.plan_text import BeyondPolicy, PlanInterval
from cases.selectors import case_timeline
from core.exceptions import NotPermitted
from policy.models import PolicyProfile
from policy.selectors import current_profile
from policy.services import save_profile_version
from tests.factories import climb_to, create_case, make_user


@pytest.fixture
def case(db, collector):
    return climb_to(create_case(dpd=20, collector=collector), CaseState.PHONE, by=collector)


@pytest.fixture
def other_supervisor(db):
    return make_user("Supervisor")


def reload(case) -> CollectionCase:
    return CollectionCase.objects.get(pk=case.pk)


def days(n: int) -> date:
    return timezone.localdate() + timedelta(days=n)


def monthly(amount: str, count: int, first: int = 30) -> list[tuple[date, Decimal]]:
    return [(days(first + 30 * number), Decimal(amount)) for number in range(count)]


def plan_event(case) -> CaseEvent:
    return reload(case).events.filter(kind=CaseEvent.Kind.PLAN).latest("pk")


# --- the profile's limits ---------------------------------------------------------------------


def test_every_shipped_profile_has_the_plan_limits_in_a_new_version(db):
    for code in ("CN", "US-REGF", "US-MA", "UK-FCA", "US-NYC", "EU-CCD2"):
        profile = current_profile(code)
        assert (profile.plan_min_installment_percent, profile.plan_first_due_max_days) == (Decimal("5.00"), 30)
        assert profile.plan_max_installments == 6
        # The versions before it did not judge plans by these limits, and still say so.
        earlier = PolicyProfile.objects.filter(code=code, version__lt=profile.version)
        assert earlier.exists()
        assert set(earlier.values_list("plan_min_installment_percent", "plan_first_due_max_days")) == {(None, None)}


# --- within policy ----------------------------------------------------------------------------


def test_a_plan_within_policy_runs_at_once_and_the_case_moves_to_arrangement(case, collector):
    plan = services.agree_repayment_plan(case, monthly("500", 6), by=collector)
    assert (plan.status, plan.beyond_policy, plan.beyond_policy_reasons) == (RepaymentPlan.Status.ACTIVE, False, [])
    assert plan.total_amount == Decimal("3000.00") and plan.currency == "CNY" and plan.installments.count() == 6
    assert reload(case).state == CaseState.ARRANGEMENT
    event = plan_event(case)
    assert event.code == EventCode.PLAN_AGREED and "beyond_policy" not in event.params


def test_a_plan_exactly_at_every_limit_is_within_policy(case, collector):
    """6 instalments, the smallest exactly 5% of the balance, the first due on day 30."""
    installments = [(days(30), Decimal("250.00"))] + monthly("900", 5, first=60)
    terms = services.plan_terms(case, installments)
    assert terms.beyond_policy == () and not terms.needs_approval
    assert (terms.minimum_installment, terms.first_due_by, terms.max_installments) == (Decimal("250.00"), days(30), 6)
    plan = services.agree_repayment_plan(case, installments, by=collector)
    assert plan.status == RepaymentPlan.Status.ACTIVE


def test_plan_terms_preview_saves_nothing(case):
    terms = services.plan_terms(case, [(days(10), "1000"), (days(40), Decimal("4000.00"))])
    assert (terms.total, terms.currency, terms.outstanding, terms.count) == (
        Decimal("5000.00"),
        "CNY",
        Decimal("5000.00"),
        2,
    )
    assert terms.installments == ((days(10), Decimal("1000.00")), (days(40), Decimal("4000.00")))
    assert not RepaymentPlan.objects.exists() and not CaseEvent.objects.filter(kind=CaseEvent.Kind.PLAN).exists()


def test_plan_terms_judge_from_the_day_they_are_given(case):
    """The first-due window counts from ``today``: the same date is within it a week later."""
    installments = [(days(35), Decimal("1000"))]
    assert [code for code, _ in services.plan_terms(case, installments).beyond_policy] == [
        BeyondPolicy.FIRST_DUE_TOO_LATE
    ]
    assert services.plan_terms(case, installments, today=days(7)).beyond_policy == ()


# --- beyond policy ------------------------------------------------------------------------------

BEYOND = {
    BeyondPolicy.TOO_MANY_INSTALLMENTS: (
        monthly("500", 7),
        [{"code": "too_many_installments", "params": {"count": 7, "limit": 6}}],
        "7 instalments: more than the 6 the profile allows without a supervisor's approval.",
    ),
    BeyondPolicy.INSTALLMENT_BELOW_MINIMUM: (
        monthly("1000", 3) + [(days(120), Decimal("249.99"))],
        [
            {
                "code": "installment_below_minimum",
                "params": {"sequence": 4, "amount": "249.99", "minimum": "250.00", "currency": "CNY"},
            }
        ],
        "Instalment 4 (CN¥249.99) is below the smallest instalment the profile allows (CN¥250.00).",
    ),
    BeyondPolicy.FIRST_DUE_TOO_LATE: (
        monthly("1000", 3, first=31),
        [{"code": "first_due_too_late", "params": {"first_due": days(31).isoformat(), "limit_days": 30}}],
        "The first instalment falls due on {first_due}, more than 30 days after the plan was agreed.",
    ),
}


@pytest.mark.parametrize("code", list(BeyondPolicy))
def test_each_limit_passed_makes_a_proposal_that_says_why(case, collector, code):
    installments, reasons, sentence = BEYOND[code]
    plan = services.agree_repayment_plan(case, installments, by=collector)
    assert (plan.status, plan.beyond_policy) == (RepaymentPlan.Status.PROPOSED, True)
    assert RepaymentPlan.objects.get(pk=plan.pk).beyond_policy_reasons == reasons
    assert reload(case).state == CaseState.PHONE  # nothing runs until a supervisor approves
    event = plan_event(case)
    assert event.code == EventCode.PLAN_PROPOSED and event.params["beyond_policy"] == reasons
    with translation.override("en"):
        sentence = sentence.format(first_due=formats.date_format(days(31)))  # "23 Dec 2026"
        assert plan.beyond_policy_sentences() == [sentence]
        # The timeline says why the plan waits.
        assert sentence in describe(event)
        assert any(sentence in entry.summary for entry in case_timeline(reload(case)))


def test_a_plan_past_several_limits_keeps_every_reason(case, collector):
    installments = [(days(45), Decimal("100"))] + monthly("300", 7, first=75)
    terms = services.plan_terms(case, installments)
    assert [code for code, _ in terms.beyond_policy] == [
        BeyondPolicy.TOO_MANY_INSTALLMENTS,
        BeyondPolicy.INSTALLMENT_BELOW_MINIMUM,
        BeyondPolicy.FIRST_DUE_TOO_LATE,
    ]
    with translation.override("en"):
        assert len(terms.sentences()) == 3 and "Instalment 1 (CN¥100.00)" in terms.sentences()[1]
    plan = services.agree_repayment_plan(case, installments, by=collector)
    assert [reason["code"] for reason in plan.beyond_policy_reasons] == [str(code) for code, _ in terms.beyond_policy]


def test_the_minimum_is_a_percent_of_the_balance_in_its_own_currency(db, collector):
    case = climb_to(
        create_case(dpd=20, outstanding=Decimal("800.00"), currency="USD", profile="US-REGF", collector=collector),
        CaseState.PHONE,
        by=collector,
    )
    terms = services.plan_terms(case, [(days(7), Decimal("39.99")), (days(37), Decimal("760.01"))])
    assert terms.minimum_installment == Decimal("40.00") and terms.currency == "USD"
    assert terms.beyond_policy == (
        (
            BeyondPolicy.INSTALLMENT_BELOW_MINIMUM,
            {"sequence": 1, "amount": "39.99", "minimum": "40.00", "currency": "USD"},
        ),
    )


def test_a_profile_without_the_limits_judges_only_the_number_of_instalments(case, collector, administrator):
    profile = current_profile("CN")
    profile.plan_min_installment_percent = profile.plan_first_due_max_days = None
    save_profile_version(profile, by=administrator, note="no minimum, no first-due window")
    terms = services.plan_terms(reload(case), [(days(90), Decimal("1.00"))] + monthly("100", 6, first=120))
    assert (terms.minimum_installment, terms.first_due_by) == (None, None)
    assert [code for code, _ in terms.beyond_policy] == [BeyondPolicy.TOO_MANY_INSTALLMENTS]


# --- refused outright -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "installments, message",
    [
        (monthly("2000", 3), "add up to CN¥6,000.00, more than the CN¥5,000.00 outstanding"),
        ([(days(5), Decimal("5000.01"))], "more than the CN¥5,000.00 outstanding"),
        ([(days(5), Decimal("100.005"))], "more than two decimal places"),
        ([(days(5), "99.999")], "more than two decimal places"),
        ([(days(5), "a hundred")], "is not an amount of money"),
        ([(days(5), Decimal("NaN"))], "is not an amount of money"),
        ([(days(5), Decimal("0"))], "positive"),
        ([(days(5), Decimal("300")), (days(35), Decimal("-1"))], "positive"),
        ([(days(-1), Decimal("300"))], "in the past"),
        ([(days(20), Decimal("300")), (days(10), Decimal("300"))], "in order"),
        ([(days(10), Decimal("300")), (days(10), Decimal("300"))], "in order"),
        ([], "at least one instalment"),
    ],
)
def test_a_plan_that_cannot_be_agreed_is_refused_and_nothing_is_saved(case, collector, installments, message):
    with pytest.raises(PlanError, match=message):
        services.plan_terms(case, installments)
    with translation.override("en"), pytest.raises(PlanError, match=message):
        services.agree_repayment_plan(case, installments, by=collector)
    assert not RepaymentPlan.objects.exists() and not Installment.objects.exists()
    assert reload(case).state == CaseState.PHONE


def test_the_whole_balance_may_be_planned_to_the_cent(case, collector):
    plan = services.agree_repayment_plan(case, monthly("1000", 5), by=collector)
    assert plan.total_amount == reload(case).account.outstanding_total == Decimal("5000.00")


# --- an even schedule -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "total, count, expected",
    [
        ("100.00", 3, ["33.33", "33.33", "33.34"]),
        ("5000.00", 6, ["833.33"] * 5 + ["833.35"]),
        ("0.05", 5, ["0.01"] * 5),
        ("10", 1, ["10.00"]),
        (Decimal("1234.57"), 7, ["176.36"] * 6 + ["176.41"]),
    ],
)
def test_an_even_schedule_adds_up_to_its_total(total, count, expected):
    schedule = services.schedule_installments(total, count, date(2027, 1, 15), PlanInterval.WEEKLY)
    assert [amount for _, amount in schedule] == [Decimal(amount) for amount in expected]
    assert sum(amount for _, amount in schedule) == Decimal(str(total))


@given(
    cents=st.integers(min_value=1, max_value=10**12),
    count=st.integers(min_value=1, max_value=120),
)
def test_an_even_schedule_always_adds_up_to_its_total_exactly(cents, count):
    total = Decimal(cents) / 100
    if cents < count:  # less than a cent an instalment
        with pytest.raises(PlanError):
            services.schedule_installments(total, count, date(2027, 1, 31), PlanInterval.MONTHLY)
        return
    schedule = services.schedule_installments(total, count, date(2027, 1, 31), PlanInterval.MONTHLY)
    amounts = [amount for _, amount in schedule]
    assert sum(amounts) == total and len(amounts) == count
    assert len(set(amounts[:-1])) <= 1 and all(amount.as_tuple().exponent == -2 for amount in amounts)
    assert Decimal("0") <= amounts[-1] - amounts[0] < Decimal("0.01") * count


@pytest.mark.parametrize(
    "every, first, expected",
    [
        (PlanInterval.WEEKLY, date(2027, 1, 1), [date(2027, 1, 1), date(2027, 1, 8), date(2027, 1, 15)]),
        (PlanInterval.FORTNIGHTLY, date(2027, 12, 25), [date(2027, 12, 25), date(2028, 1, 8), date(2028, 1, 22)]),
        # A monthly plan keeps its day of the month, or the month's last day when it has none.
        (PlanInterval.MONTHLY, date(2027, 11, 30), [date(2027, 11, 30), date(2027, 12, 30), date(2028, 1, 30)]),
        (PlanInterval.MONTHLY, date(2028, 1, 31), [date(2028, 1, 31), date(2028, 2, 29), date(2028, 3, 31)]),
    ],
)
def test_an_even_schedule_falls_due_at_its_interval(every, first, expected):
    assert [due for due, _ in services.schedule_installments("90", 3, first, every)] == expected


@pytest.mark.parametrize(
    "total, count, every, message",
    [
        ("100", 0, "monthly", "at least one instalment"),
        ("100", 3, "daily", "not an interval"),
        ("0.02", 3, "weekly", "positive"),
        ("100.001", 3, "weekly", "two decimal places"),
    ],
)
def test_an_even_schedule_that_cannot_be_made_is_refused(total, count, every, message):
    with translation.override("en"), pytest.raises(PlanError, match=message):
        services.schedule_installments(total, count, date(2027, 1, 1), every)


def test_the_whole_balance_in_six_monthly_parts_runs_at_once(case, collector):
    schedule = services.schedule_installments(reload(case).account.outstanding_total, 6, days(14), PlanInterval.MONTHLY)
    plan = services.agree_repayment_plan(case, schedule, by=collector)
    assert plan.status == RepaymentPlan.Status.ACTIVE and plan.total_amount == Decimal("5000.00")


# --- approval and rejection -----------------------------------------------------------------------


@pytest.fixture
def proposed(case, collector) -> RepaymentPlan:
    return services.agree_repayment_plan(case, monthly("500", 8), by=collector)


def test_another_supervisor_approves_and_the_plan_runs(case, proposed, supervisor):
    plan = services.approve_repayment_plan(proposed, by=supervisor)
    assert (plan.status, plan.approved_by) == (RepaymentPlan.Status.ACTIVE, supervisor)
    assert reload(case).state == CaseState.ARRANGEMENT
    assert plan_event(case).code == EventCode.PLAN_APPROVED


def test_another_supervisor_rejects_with_a_reason_and_the_case_stays_where_it_was(case, proposed, supervisor):
    plan = services.reject_repayment_plan(proposed, by=supervisor, reason="  Eight months is too long for 5,000.  ")
    plan.refresh_from_db()
    assert (plan.status, plan.rejected_by, plan.rejection_reason) == (
        RepaymentPlan.Status.REJECTED,
        supervisor,
        "Eight months is too long for 5,000.",
    )
    assert plan.rejected_at is not None and plan.approved_by is None
    assert reload(case).state == CaseState.PHONE
    assert not RepaymentPlan.objects.running().filter(case=case).exists()
    event = plan_event(case)
    assert (event.code, event.actor, event.reason) == (EventCode.PLAN_REJECTED, supervisor, plan.rejection_reason)
    assert event.from_state == event.to_state == ""  # no transition
    with translation.override("en"):
        assert describe(event) == f"Repayment plan {plan.pk} rejected. Eight months is too long for 5,000."
        assert plan.get_status_display() == "Rejected"
    assert plan.history.first().history_change_reason == "plan rejected"
    # Decided once: neither approved nor rejected again.
    with pytest.raises(PlanError, match="not awaiting approval"):
        services.approve_repayment_plan(plan, by=supervisor)
    with pytest.raises(PlanError, match="not awaiting approval"):
        services.reject_repayment_plan(plan, by=supervisor, reason="again")


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_a_rejection_needs_a_reason(proposed, supervisor, reason):
    with pytest.raises(PlanError, match="Say why"):
        services.reject_repayment_plan(proposed, by=supervisor, reason=reason)
    assert RepaymentPlan.objects.get(pk=proposed.pk).status == RepaymentPlan.Status.PROPOSED
    assert not CaseEvent.objects.filter(code=EventCode.PLAN_REJECTED).exists()


def test_who_agreed_a_plan_neither_approves_nor_rejects_it(case, supervisor, other_supervisor):
    plan = services.agree_repayment_plan(case, monthly("500", 8), by=supervisor)
    with pytest.raises(NotPermitted, match="approved by someone other"):
        services.approve_repayment_plan(plan, by=supervisor)
    with pytest.raises(NotPermitted, match="rejected by someone other"):
        services.reject_repayment_plan(plan, by=supervisor, reason="second thoughts")
    assert RepaymentPlan.objects.get(pk=plan.pk).status == RepaymentPlan.Status.PROPOSED
    services.reject_repayment_plan(plan, by=other_supervisor, reason="too long")
    assert RepaymentPlan.objects.get(pk=plan.pk).status == RepaymentPlan.Status.REJECTED


def test_a_collector_neither_approves_nor_rejects(case, collector, supervisor):
    """Even a plan someone else agreed on the collector's own case."""
    plan = services.agree_repayment_plan(case, monthly("500", 8), by=supervisor)
    with pytest.raises(NotPermitted, match="may not approve"):
        services.approve_repayment_plan(plan, by=collector)
    with pytest.raises(NotPermitted, match="may not reject"):
        services.reject_repayment_plan(plan, by=collector, reason="too long")
    assert RepaymentPlan.objects.get(pk=plan.pk).status == RepaymentPlan.Status.PROPOSED
    assert reload(case).state == CaseState.PHONE
