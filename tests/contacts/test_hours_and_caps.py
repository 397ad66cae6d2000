"""The compliance engine against the database: calling hours in the borrower's own zone,
the daily and weekly caps and the wait after a conversation, each just inside and just
outside its limit."""

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils import timezone
import pytest

from cases import services as case_services
from cases.models import CaseState, ContactPoint, LoanAccount
from cases.selectors import candidate_zones
from contacts import engine
from contacts.models import ContactAttempt
from policy.codes import Channel, Outcome, Reason
from policy.models import PolicyProfile
from policy.selectors import current_profile
from policy.services import save_profile_version
from tests.clock import LOS_ANGELES, NEW_YORK, SHANGHAI, local
from tests.contacts.asking import decide
from tests.factories import create_case, past, phone_case

# --- calling hours --------------------------------------------------------------------


@pytest.mark.parametrize(
    "profile, zone, last_minute, closing",
    [
        ("CN", "Asia/Shanghai", (21, 59), (22, 0)),
        ("US-REGF", "America/New_York", (20, 59), (21, 0)),
        ("UK-FCA", "Europe/London", (20, 59), (21, 0)),
    ],
)
def test_outside_hours_in_the_borrowers_own_zone(db, profile, zone, last_minute, closing):
    phones = {"CN": ("+8613800000001",), "US-REGF": ("+12125550123",), "UK-FCA": ("+442079460123",)}[profile]
    case = phone_case(profile=profile, zone=zone, phones=phones)
    tz = ZoneInfo(zone)
    assert decide(case, local(tz, hour=last_minute[0], minute=last_minute[1])).allowed
    late = decide(case, local(tz, hour=closing[0], minute=closing[1]))
    assert late.reasons == (Reason.OUTSIDE_HOURS,)
    assert late.next_allowed_at == local(tz, day_offset=8, hour=8)
    assert decide(case, local(tz, hour=7, minute=59)).reasons == (Reason.OUTSIDE_HOURS,)
    assert decide(case, local(tz, hour=8)).allowed


def test_calling_hours_follow_daylight_saving_for_a_us_borrower(db):
    case = phone_case(profile="US-REGF", zone="America/New_York", phones=("+12125550123",))
    # 12:30 UTC is 07:30 EST the day before DST starts, 08:30 EDT the day it starts.
    before = datetime(2027, 3, 13, 12, 30, tzinfo=ZoneInfo("UTC"))
    after = datetime(2027, 3, 14, 12, 30, tzinfo=ZoneInfo("UTC"))
    assert decide(case, before).reasons == (Reason.OUTSIDE_HOURS,)
    assert decide(case, after).allowed
    # From 22:00 EST on the 13th the next window opens at 08:00 EDT = 12:00 UTC.
    evening = datetime(2027, 3, 13, 22, 0, tzinfo=NEW_YORK)
    assert decide(case, evening).next_allowed_at == datetime(2027, 3, 14, 12, 0, tzinfo=ZoneInfo("UTC"))
    # And in autumn 08:00 EST is 13:00 UTC.
    assert decide(case, datetime(2026, 11, 2, 12, 30, tzinfo=ZoneInfo("UTC"))).reasons == (Reason.OUTSIDE_HOURS,)


def test_unknown_zone_with_points_in_two_zones_allows_only_the_overlap(db):
    case = phone_case(profile="US-REGF", zone="", phones=("+12125550123", "+14155550199"))
    assert candidate_zones(case.account.borrower, case.points, current_profile("US-REGF")) == (
        "America/Los_Angeles",
        "America/New_York",
    )
    early_west = decide(case, local(NEW_YORK, hour=10, minute=59))  # 07:59 in Los Angeles
    assert early_west.reasons == (Reason.OUTSIDE_HOURS,) and "America/Los_Angeles" in early_west.explanations[0]
    assert early_west.next_allowed_at == local(NEW_YORK, hour=11)
    assert decide(case, local(NEW_YORK, hour=11)).allowed
    assert decide(case, local(NEW_YORK, hour=20, minute=59)).allowed
    assert not decide(case, local(NEW_YORK, hour=21)).allowed


def test_no_zone_at_all_uses_every_fallback_zone_of_the_profile(db):
    case = phone_case(profile="US-REGF", zone="", phones=("+18005550199",))  # toll-free: no area zone
    assert decide(case, local(NEW_YORK, hour=10, minute=59)).reasons == (Reason.OUTSIDE_HOURS,)  # 07:59 LA
    assert decide(case, local(LOS_ANGELES, hour=17, minute=59)).allowed  # 20:59 New York
    assert not decide(case, local(LOS_ANGELES, hour=18)).allowed  # 21:00 New York


def test_holiday_listed_in_the_profile(db, administrator):
    case = phone_case()
    holiday = local(SHANGHAI, hour=10)
    profile = current_profile("CN")
    profile.holidays = holiday.date().isoformat()
    save_profile_version(profile, by=administrator, note="national day")
    refused = decide(case, holiday)
    assert refused.reasons == (Reason.HOLIDAY,)
    assert refused.next_allowed_at == local(SHANGHAI, day_offset=8, hour=8)
    assert decide(case, holiday - timedelta(hours=2, minutes=1)).reasons == (Reason.HOLIDAY,)  # 07:59 that day
    assert decide(case, local(SHANGHAI, day_offset=6, hour=21, minute=59)).allowed
    assert decide(case, local(SHANGHAI, day_offset=8, hour=8)).allowed


def test_letters_are_not_bound_to_calling_hours(db):
    case = phone_case(rung=CaseState.WRITTEN_NOTICE)
    address = ContactPoint.objects.create(borrower=case.account.borrower, kind="postal", value="上海市黄浦区人民路1号")
    assert engine.evaluate(case, Channel.LETTER, local(SHANGHAI, hour=23), contact_point=address).allowed


# --- daily caps (CN) ----------------------------------------------------------------------


def test_connected_calls_per_day(db):
    case = phone_case()
    at = local(SHANGHAI, hour=15)
    for hour in (9, 10):
        past(case, local(SHANGHAI, hour=hour), outcome=Outcome.RIGHT_PARTY)
    assert decide(case, at).allowed
    past(case, local(SHANGHAI, hour=11), outcome=Outcome.THIRD_PARTY)
    refused = decide(case, at)
    assert refused.reasons == (Reason.DAILY_CAP,) and "3 connected calls" in refused.explanations[0]
    assert refused.next_allowed_at == local(SHANGHAI, day_offset=8, hour=8)


def test_yesterdays_calls_do_not_count_today(db):
    case = phone_case()
    for minute in (0, 10, 20):
        past(case, local(SHANGHAI, day_offset=6, hour=21, minute=minute), outcome=Outcome.RIGHT_PARTY)
    assert decide(case, local(SHANGHAI, hour=8)).allowed


def test_unanswered_calls_per_number_per_day(db):
    case = phone_case(phones=("+8613800000001", "+8613800000002"))
    for minute in range(5):
        past(case, local(SHANGHAI, hour=9, minute=minute))
    assert decide(case, local(SHANGHAI, hour=12)).allowed
    past(case, local(SHANGHAI, hour=9, minute=30))
    assert decide(case, local(SHANGHAI, hour=12)).reasons == (Reason.DAILY_CAP,)
    # The limit is per number: the other number may still be tried.
    assert decide(case, local(SHANGHAI, hour=12), point=case.points[1]).allowed


def test_one_text_message_per_day(db):
    case = phone_case()
    at = local(SHANGHAI, hour=12)
    assert decide(case, at, channel=Channel.SMS).allowed
    past(case, local(SHANGHAI, hour=9), channel=Channel.SMS, outcome=Outcome.SENT)
    assert decide(case, at, channel=Channel.SMS).reasons == (Reason.DAILY_CAP,)


# --- weekly caps ------------------------------------------------------------------------


def test_seven_calls_in_seven_days_reg_f(db):
    case = phone_case(profile="US-REGF", zone="America/New_York", phones=("+12125550123",))
    at = local(NEW_YORK, hour=12)
    first = local(NEW_YORK, day_offset=1, hour=12)
    for day in range(1, 7):
        past(case, local(NEW_YORK, day_offset=day, hour=12))
    # Busy signals and network failures are not calls placed under Reg F.
    past(case, local(NEW_YORK, day_offset=6, hour=13), outcome=Outcome.BUSY)
    # Calls about the borrower's other debt are counted on that debt.
    other = create_case(dpd=40, profile="US-REGF")
    past(case, local(NEW_YORK, day_offset=6, hour=14), other_case=other)
    assert decide(case, at).allowed  # the 7th call
    past(case, local(NEW_YORK, day_offset=6, hour=15))
    refused = decide(case, at)  # the 8th
    assert refused.reasons == (Reason.WEEKLY_CAP,)
    # The first call's date is day 1: the eighth date frees a slot from its first hour.
    assert refused.next_allowed_at == local(NEW_YORK, day_offset=8, hour=8)
    assert decide(case, first + timedelta(days=7)).allowed


def test_ten_attempts_per_borrower_per_week_across_all_their_cases(db):
    case = phone_case()
    second_account = LoanAccount.objects.create(
        borrower=case.account.borrower,
        loan_number="T-SECOND",
        product="p",
        principal=Decimal("100"),
        outstanding_principal=Decimal("100"),
        oldest_unpaid_due_date=timezone.localdate() - timedelta(days=20),
    )
    other = case_services.open_case(second_account)
    for day in range(1, 6):
        past(case, local(SHANGHAI, day_offset=day, hour=9))
        past(
            case,
            local(SHANGHAI, day_offset=day, hour=10),
            channel=Channel.SMS,
            outcome=Outcome.SENT,
            other_case=other if day > 3 else None,
        )
    past(case, local(SHANGHAI, day_offset=0, hour=9))  # 8 days before `at`: outside the window
    at = local(SHANGHAI, day_offset=7, hour=12)
    history = ContactAttempt.objects.filter(borrower=case.account.borrower)
    assert history.count() == 11
    refused = decide(case, at)
    assert refused.reasons == (Reason.WEEKLY_CAP,) and "10 contacts" in refused.explanations[0]
    ContactAttempt.objects.filter(pk=history.order_by("-started_at").first().pk).delete()
    assert decide(case, at).allowed


def test_massachusetts_two_calls_a_week_and_two_a_month_to_work(db):
    case = phone_case(profile="US-MA", zone="America/New_York", phones=("+16175550111", "+16175550112"))
    work = case.points[1]
    ContactPoint.objects.filter(pk=work.pk).update(is_workplace=True)
    work.is_workplace = True
    at = local(NEW_YORK, hour=12)
    past(case, local(NEW_YORK, day_offset=3, hour=12), channel=Channel.SMS, outcome=Outcome.SENT)  # texts count
    assert decide(case, at).allowed
    past(case, local(NEW_YORK, day_offset=4, hour=12))
    assert decide(case, at).reasons == (Reason.WEEKLY_CAP,)
    # Work numbers have their own 2-in-30-days budget.
    assert decide(case, at, point=work).allowed
    past(case, local(NEW_YORK, day_offset=-10, hour=12), point=work)
    past(case, local(NEW_YORK, day_offset=-5, hour=12), point=work)
    refused = decide(case, at, point=work)
    assert refused.reasons == (Reason.WEEKLY_CAP,) and "work numbers" in refused.explanations[0]
    assert refused.next_allowed_at == local(NEW_YORK, day_offset=20, hour=8)


# --- conversation wait (Reg F) -------------------------------------------------------------


def test_post_conversation_wait_day_seven_refused_day_eight_allowed(db):
    case = phone_case(profile="US-REGF", zone="America/New_York", phones=("+12125550123",))
    spoke = local(NEW_YORK, day_offset=1, hour=19)
    past(case, spoke, outcome=Outcome.RIGHT_PARTY, conversation=True)
    day_seven = local(NEW_YORK, day_offset=7, hour=20, minute=59)
    refused = decide(case, day_seven)
    assert refused.reasons == (Reason.POST_CONVERSATION_WAIT,)
    assert refused.next_allowed_at == local(NEW_YORK, day_offset=8, hour=8)
    assert decide(case, local(NEW_YORK, day_offset=8, hour=8)).allowed
    # Texts are not calls: the wait does not stop them.
    assert decide(case, day_seven - timedelta(hours=5), channel=Channel.SMS).allowed


def test_massachusetts_does_not_count_busy_signals(db):
    """940 CMR 7.04(1)(f) counts calls where a message could be left: two busy signals in
    the week leave both calls of the week's budget; two answered calls use it up. The fix
    is a new version of the shipped profile, so version 1 still judges what it judged."""
    assert current_profile("US-MA").calls_count_busy is False
    assert PolicyProfile.objects.get(code="US-MA", version=1).calls_count_busy is True
    case = phone_case(profile="US-MA", zone="America/New_York", phones=("+16175550111",))
    at = local(NEW_YORK, hour=12)
    past(case, local(NEW_YORK, day_offset=3, hour=12), outcome=Outcome.BUSY)
    past(case, local(NEW_YORK, day_offset=4, hour=12), outcome=Outcome.BUSY)
    assert decide(case, at).allowed
    past(case, local(NEW_YORK, day_offset=4, hour=13), outcome=Outcome.NO_ANSWER)
    past(case, local(NEW_YORK, day_offset=4, hour=14), outcome=Outcome.NO_ANSWER)
    assert decide(case, at).reasons == (Reason.WEEKLY_CAP,)
