"""The compliance engine: each reason code just inside and just outside its limit."""
from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
import pytest

from cases import services as case_services
from cases.models import CaseState, CollectionCase, ContactPoint, Hold, LoanAccount
from cases.selectors import candidate_zones
from contacts import engine
from policy.codes import Channel, Outcome, Reason
from contacts.models import ChannelOptOut, ContactAttempt
from policy.models import PolicyProfile
from policy.selectors import current_profile
from policy.services import save_profile_version
from tests.conftest import climb_to, create_case

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")
LOS_ANGELES = ZoneInfo("America/Los_Angeles")


def local(zone, day_offset=7, hour=10, minute=0):
    """An instant ``day_offset`` days from today at hour:minute in ``zone`` (future, so
    holds placed now are already active then)."""
    day = timezone.localdate() + timedelta(days=day_offset)
    return datetime.combine(day, time(hour, minute), tzinfo=zone)


def phone_case(profile="CN", zone="Asia/Shanghai", dpd=40, rung=CaseState.PHONE, phones=("+8613800000001",)):
    case = create_case(dpd=dpd, profile=profile, currency="CNY")
    borrower = case.account.borrower
    borrower.home_time_zone = zone
    borrower.save()
    ContactPoint.objects.filter(borrower=borrower).delete()
    points = []
    for number in phones:
        point = ContactPoint(borrower=borrower, kind="phone", value=number)
        point.full_clean()
        point.save()
        points.append(point)
    climb_to(case, rung)
    case = CollectionCase.objects.select_related("account__borrower").get(pk=case.pk)
    case.points = points
    return case


def past(case, at, *, channel=Channel.PHONE_CALL, outcome=Outcome.NO_ANSWER, point=None, conversation=False,
         allowed=True, other_case=None):
    """A contact that already happened (history for the caps)."""
    target = other_case or case
    return ContactAttempt.objects.create(
        case=target, borrower_id=target.account.borrower_id, channel=channel, started_at=at, outcome=outcome,
        contact_point=point if point is not None else (case.points[0] if channel in ("phone_call", "sms") else None),
        conversation=conversation, allowed=allowed, profile=current_profile(target.account.borrower.policy_profile_code),
    )


def decide(case, at, channel=Channel.PHONE_CALL, point="default", **kwargs):
    point = case.points[0] if point == "default" else point
    return engine.evaluate(case, channel, at, contact_point=point, **kwargs)


# --- calling hours --------------------------------------------------------------------

@pytest.mark.parametrize("profile, zone, last_minute, closing", [
    ("CN", "Asia/Shanghai", (21, 59), (22, 0)),
    ("US-REGF", "America/New_York", (20, 59), (21, 0)),
    ("UK-FCA", "Europe/London", (20, 59), (21, 0)),
])
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
        "America/Los_Angeles", "America/New_York")
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
    assert refused.next_allowed_at == first + timedelta(days=7)
    assert decide(case, first + timedelta(days=7)).allowed


def test_ten_attempts_per_borrower_per_week_across_all_their_cases(db):
    case = phone_case()
    second_account = LoanAccount.objects.create(
        borrower=case.account.borrower, loan_number="T-SECOND", product="p", principal=Decimal("100"),
        outstanding_principal=Decimal("100"), oldest_unpaid_due_date=timezone.localdate() - timedelta(days=20))
    other = case_services.open_case(second_account)
    for day in range(1, 6):
        past(case, local(SHANGHAI, day_offset=day, hour=9))
        past(case, local(SHANGHAI, day_offset=day, hour=10), channel=Channel.SMS, outcome=Outcome.SENT,
             other_case=other if day > 3 else None)
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
    assert refused.next_allowed_at == local(NEW_YORK, day_offset=20, hour=12)


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


# --- holds, cease, opt-out, closed, invalid, stage, visit -----------------------------------

def test_cease_request_blocks_everything_but_required_notices(db, supervisor):
    from contacts.services import approve_template, save_template_version

    case = phone_case(rung=CaseState.WRITTEN_NOTICE)
    case_services.place_hold(case, Hold.Kind.CEASE_COMMUNICATION, by=supervisor)
    address = ContactPoint.objects.create(borrower=case.account.borrower, kind="postal", value="上海市人民路1号")
    at = local(SHANGHAI, hour=10)
    refused = decide(case, at)
    assert refused.reasons == (Reason.CEASE_REQUESTED,) and refused.next_allowed_at is None
    author = type(supervisor).objects.create_user("author")
    notice = save_template_version(code="collection-ends", channel=Channel.LETTER, language="zh-hans",
                                   body="{borrower_name}：我们将停止催收。", by=author, is_required_notice=True)
    notice = approve_template(notice, by=_reviewer())
    assert engine.evaluate(case, Channel.LETTER, at, contact_point=address, template=notice).allowed


def _reviewer():
    from tests.conftest import make_user

    return make_user("Compliance reviewer")


def test_hold_refuses_until_it_ends(db, supervisor):
    case = phone_case(profile="UK-FCA", zone="Europe/London", phones=("+442079460123",))
    hold = case_services.place_hold(case, Hold.Kind.BREATHING_SPACE, by=supervisor)
    at = hold.starts_at + timedelta(hours=1)
    refused = decide(case, at)
    assert refused.reasons[0] == Reason.CASE_ON_HOLD
    assert refused.next_allowed_at >= hold.ends_at
    # The moment the breathing space ends contact is allowed again, job or no job.
    london = ZoneInfo("Europe/London")
    noon_before_end = (hold.ends_at - timedelta(days=1)).astimezone(london).replace(hour=12, minute=0)
    noon_after_end = (hold.ends_at + timedelta(days=1)).astimezone(london).replace(hour=12, minute=0)
    assert CollectionCase.objects.get(pk=case.pk).state == CaseState.ON_HOLD
    assert decide(case, noon_before_end).reasons == (Reason.CASE_ON_HOLD,)
    assert decide(case, noon_after_end).allowed
    case_services.place_hold(CollectionCase.objects.get(pk=case.pk), Hold.Kind.DISPUTE, by=supervisor)
    assert decide(case, at).next_allowed_at is None  # an open-ended hold: waiting alone won't do


def test_channel_opt_out_is_per_channel(db, collector):
    case = phone_case()
    at = local(SHANGHAI, hour=10)
    ChannelOptOut.objects.create(borrower=case.account.borrower, channel=Channel.SMS)
    assert decide(case, at, channel=Channel.SMS).reasons == (Reason.CHANNEL_OPT_OUT,)
    assert decide(case, at).allowed
    ContactPoint.objects.filter(pk=case.points[0].pk).update(opted_out=True)
    case.points[0].refresh_from_db()
    assert decide(case, at).reasons == (Reason.CHANNEL_OPT_OUT,)


def test_invalid_contact_point(db):
    case = phone_case()
    assert decide(case, local(SHANGHAI)).allowed
    ContactPoint.objects.filter(pk=case.points[0].pk).update(is_invalid=True)
    case.points[0].refresh_from_db()
    assert decide(case, local(SHANGHAI)).reasons == (Reason.INVALID_CONTACT_POINT,)


def test_channel_must_wait_for_its_rung(db):
    case = phone_case(rung=CaseState.REMINDER)
    at = local(SHANGHAI)
    assert decide(case, at, channel=Channel.SMS).allowed
    assert decide(case, at).reasons == (Reason.STAGE_NOT_REACHED,)
    address = ContactPoint.objects.create(borrower=case.account.borrower, kind="postal", value="上海市人民路1号")
    assert engine.evaluate(case, Channel.LETTER, at, contact_point=address).reasons == (Reason.STAGE_NOT_REACHED,)
    fresh = phone_case(rung=CaseState.NEW)
    assert decide(fresh, at, channel=Channel.SMS).reasons == (Reason.STAGE_NOT_REACHED,)


def test_field_visit_needs_an_approved_visit(db):
    case = phone_case(rung=CaseState.WRITTEN_NOTICE)
    decision = engine.evaluate(case, Channel.FIELD_VISIT, local(SHANGHAI))
    assert Reason.NO_APPROVED_VISIT in decision.reasons


def test_paid_case_blocks_every_channel_and_stores_the_attempt(db, collector):
    from contacts.services import ContactBlocked, record_attempt

    case = phone_case()
    CollectionCase.objects.filter(pk=case.pk).update(assigned_collector=collector)
    case_services.record_payment(case.account, case.account.outstanding_total, timezone.now(), "PAID-ALL")
    points = case.points
    case = CollectionCase.objects.select_related("account__borrower").get(pk=case.pk)
    case.points = points
    borrower = case.account.borrower
    email = ContactPoint.objects.create(borrower=borrower, kind="email", value="x@example.cn")
    postal = ContactPoint.objects.create(borrower=borrower, kind="postal", value="上海市人民路1号")
    social = ContactPoint.objects.create(borrower=borrower, kind="social", value="wechat:fang")
    targets = {Channel.PHONE_CALL: case.points[0], Channel.SMS: case.points[0], Channel.EMAIL: email,
               Channel.LETTER: postal, Channel.SOCIAL: social, Channel.FIELD_VISIT: None}
    for channel, point in targets.items():
        with pytest.raises(ContactBlocked) as blocked:
            record_attempt(case, channel, Outcome.NO_ANSWER if channel == "phone_call" else Outcome.SENT, by=collector,
                           at=local(SHANGHAI), contact_point=point)
        assert Reason.CASE_CLOSED in blocked.value.decision.reasons
    stored = ContactAttempt.objects.filter(case=case)
    assert stored.count() == 6 and not stored.filter(allowed=True).exists()
    assert all(Reason.CASE_CLOSED in attempt.reasons for attempt in stored)


def test_a_cleared_balance_blocks_contact_even_before_the_case_is_resolved(db):
    case = phone_case()
    LoanAccount.objects.filter(pk=case.account_id).update(outstanding_principal=0)
    case = CollectionCase.objects.select_related("account__borrower").get(pk=case.pk)
    case.points = list(ContactPoint.objects.filter(borrower=case.account.borrower))
    assert decide(case, local(SHANGHAI)).reasons == (Reason.CASE_CLOSED,)


# --- third parties ---------------------------------------------------------------------

def _third_party(case, number):
    point = ContactPoint(borrower=case.account.borrower, kind="phone", value=number, owner="third_party",
                         third_party_relation="employer")
    point.full_clean()
    point.save()
    return point


def test_reg_f_contacts_a_third_party_once(db):
    case = phone_case(profile="US-REGF", zone="America/New_York", phones=("+12125550123",))
    employer = _third_party(case, "+12125550188")
    at = local(NEW_YORK)
    assert decide(case, at, point=employer).allowed
    past(case, local(NEW_YORK, day_offset=2), point=employer, outcome=Outcome.THIRD_PARTY)
    assert decide(case, at, point=employer).reasons == (Reason.THIRD_PARTY_LIMIT,)


def test_cn_third_parties_only_when_the_borrower_is_unreachable(db):
    case = phone_case()
    relative = _third_party(case, "+8613900000009")
    at = local(SHANGHAI, hour=16)
    past(case, local(SHANGHAI, hour=9))
    past(case, local(SHANGHAI, hour=10))
    assert decide(case, at, point=relative).reasons == (Reason.THIRD_PARTY_LIMIT,)
    past(case, local(SHANGHAI, hour=11), outcome=Outcome.BUSY)
    assert decide(case, at, point=relative).allowed
    past(case, local(SHANGHAI, hour=12), outcome=Outcome.RIGHT_PARTY)  # reached again: no third parties
    assert decide(case, at, point=relative).reasons == (Reason.THIRD_PARTY_LIMIT,)


def test_request_errors_are_not_policy_refusals(db):
    case = phone_case()
    stranger = phone_case(phones=("+8613800000099",))
    with pytest.raises(engine.ContactRequestError, match="another borrower"):
        decide(case, local(SHANGHAI), point=stranger.points[0])
    email = ContactPoint.objects.create(borrower=case.account.borrower, kind="email", value="a@example.cn")
    with pytest.raises(engine.ContactRequestError, match="phone contact point"):
        decide(case, local(SHANGHAI), point=email)
    with pytest.raises(engine.ContactRequestError, match="timezone-aware"):
        decide(case, datetime(2026, 12, 1, 10, 0))


# --- the engine's cost and combined answers ------------------------------------------------

def test_query_count_does_not_depend_on_history_length(db):
    case = phone_case(profile="US-REGF", zone="America/New_York", phones=("+12125550123",))
    at = local(NEW_YORK, hour=12)
    past(case, local(NEW_YORK, day_offset=5))

    def count():
        fresh = CollectionCase.objects.select_related("account__borrower").get(pk=case.pk)
        with CaptureQueriesContext(connection) as queries:
            decision = engine.evaluate(fresh, Channel.PHONE_CALL, at, contact_point=case.points[0])
        return len(queries), decision

    short, _ = count()
    ContactAttempt.objects.bulk_create([
        ContactAttempt(case=case, borrower_id=case.account.borrower_id, channel=Channel.PHONE_CALL, allowed=True,
                       started_at=at - timedelta(days=40 + i % 300, minutes=i), outcome=Outcome.NO_ANSWER,
                       contact_point=case.points[0], profile=current_profile("US-REGF"))
        for i in range(500)
    ])
    long, decision = count()
    # Points, holds + opt-outs (one UNION), the counts; the profiles are cached per process.
    assert decision.allowed and long == short <= 3


def test_a_caller_that_prefetched_the_contact_points_saves_their_query(db):
    case = phone_case()
    ChannelOptOut.objects.create(borrower=case.account.borrower, channel=Channel.PHONE_CALL)
    case_services.place_hold(case, Hold.Kind.DISPUTE, by=None)
    fresh = (CollectionCase.objects.select_related("account__borrower")
             .prefetch_related("account__borrower__contact_points").get(pk=case.pk))
    with CaptureQueriesContext(connection) as queries:
        decision = engine.evaluate(fresh, Channel.PHONE_CALL, local(SHANGHAI, hour=12), contact_point=case.points[0])
    assert len(queries) == 2
    # The hold and the opt-out came back through the one UNION query.
    assert set(decision.reasons) >= {Reason.CASE_ON_HOLD, Reason.CHANNEL_OPT_OUT}


def test_evaluate_many_answers_a_whole_queue_in_a_fixed_number_of_queries(db):
    cases = [phone_case(phones=(f"+86138000001{i:02d}",)) for i in range(12)]
    at = local(SHANGHAI, hour=12)
    for case in cases[:4]:
        for hour in (9, 10, 11):
            past(case, local(SHANGHAI, hour=hour), outcome=Outcome.RIGHT_PARTY)
    loaded = list(CollectionCase.objects.select_related("account__borrower").filter(pk__in=[c.pk for c in cases]))
    with CaptureQueriesContext(connection) as queries:
        decisions = engine.evaluate_many(loaded, Channel.PHONE_CALL, at, {c.pk: c.points[0] for c in cases})
    assert len(queries) <= 8
    assert [decisions[c.pk].allowed for c in cases] == [False] * 4 + [True] * 8
    assert all(decisions[c.pk].reasons == (Reason.DAILY_CAP,) for c in cases[:4])


def test_next_allowed_at_is_the_first_instant_every_rule_allows(db):
    """A weekly slot freeing at 22:30 borrower-local means the next morning at 08:00."""
    case = phone_case(profile="US-REGF", zone="America/New_York", phones=("+12125550123",))
    for day in range(1, 8):
        past(case, local(NEW_YORK, day_offset=day, hour=20, minute=30) if day == 1
             else local(NEW_YORK, day_offset=day, hour=9))
    at = local(NEW_YORK, day_offset=7, hour=12)
    decision = decide(case, at)
    assert decision.reasons == (Reason.WEEKLY_CAP,)
    assert decision.next_allowed_at == local(NEW_YORK, day_offset=8, hour=20, minute=30)
    # Past 21:00 that would be outside hours: pushed to the next window.
    ContactAttempt.objects.filter(case=case, started_at=local(NEW_YORK, day_offset=1, hour=20, minute=30)).update(
        started_at=local(NEW_YORK, day_offset=1, hour=22, minute=30))
    assert decide(case, at).next_allowed_at == local(NEW_YORK, day_offset=9, hour=8)


def test_profile_change_never_rejudges_past_attempts(db, collector, administrator):
    from contacts.services import record_attempt

    case = phone_case()
    CollectionCase.objects.filter(pk=case.pk).update(assigned_collector=collector)
    attempt = record_attempt(case, Channel.PHONE_CALL, Outcome.NO_ANSWER, by=collector, at=local(SHANGHAI),
                             contact_point=case.points[0])
    profile = current_profile("CN")
    profile.contact_window_start = time(9, 0)
    new = save_profile_version(profile, by=administrator, note="later start")
    attempt.refresh_from_db()
    assert attempt.profile.version == 1 and attempt.allowed
    assert PolicyProfile.objects.get(pk=attempt.profile_id).contact_window_start == time(8, 0)
    assert new.version == 2


def test_only_approved_template_versions_may_be_sent(db, administrator, reviewer):
    from contacts.services import approve_template, save_template_version

    case = phone_case()
    template = save_template_version(code="sms-1", channel=Channel.SMS, language="zh-hans", by=administrator,
                                     body="{borrower_name}您好，请尽快还款。")
    at = local(SHANGHAI, hour=10)
    refused = decide(case, at, channel=Channel.SMS, template=template)
    assert refused.reasons == (Reason.TEMPLATE_NOT_APPROVED,) and refused.next_allowed_at is None
    assert decide(case, at, channel=Channel.SMS, template=approve_template(template, by=reviewer)).allowed
