"""The compliance rules on hand-built facts: no database, no clock, one rule at a time.

contacts/engine/rules.py is pure: given what is known about a proposed contact (Facts),
``decide`` says yes or no, why, and the first instant every rule allows. These tests pin
each rule's edge and the way refusals combine into the next allowed time; the engine's
end-to-end tests (test_hours_and_caps.py, test_stops.py) prove the facts are gathered
right from the database.
"""

from dataclasses import replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from cases.models import LADDER, CaseState, CollectionCase, ContactPoint, Hold
from contacts.engine import Facts, decide
from contacts.models import MessageTemplate
from policy.codes import Channel, Reason
from policy.models import PolicyProfile

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")
MONDAY_10AM = datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)


def profile(**numbers) -> PolicyProfile:
    """A profile held in memory, CN's numbers unless told otherwise (POLICY.md)."""
    defaults = dict(
        code="CN",
        version=1,
        contact_window_start=time(8),
        contact_window_end=time(22),
        connected_calls_per_day=3,
        unanswered_calls_per_number_per_day=5,
        sms_per_day=1,
        calls_per_debt_7d=None,
        attempts_per_borrower_7d=None,
        calls_to_workplace_30d=None,
        conversation_wait_days=None,
        third_party_contact_allowed=True,
        third_party_max_per_person=None,
        third_party_requires_unreachable=True,
        unreachable_failed_calls=3,
        overridable_reasons="daily_cap weekly_cap outside_hours",
    )
    return PolicyProfile(**{**defaults, **numbers})


def facts(
    channel=Channel.PHONE_CALL,
    at=MONDAY_10AM,
    *,
    state=CaseState.PHONE,
    zones=("Asia/Shanghai",),
    point=None,
    holds=(),
    template=None,
    policy=None,
    **known,
) -> Facts:
    case = CollectionCase(state=state, ladder_rung=state if state in LADDER else CaseState.PHONE)
    point = point or ContactPoint(kind="phone", value="+8613800000001")
    return Facts(
        case=case,
        channel=channel,
        at=at,
        profile=policy or profile(),
        contact_point=point,
        template=template,
        zones=zones,
        borrower_points=[point],
        active_holds=list(holds),
        **known,
    )


def hold(kind, ends_at=None) -> Hold:
    return Hold(kind=kind, starts_at=MONDAY_10AM - timedelta(days=1), ends_at=ends_at)


def notice(required=True) -> MessageTemplate:
    return MessageTemplate(
        code="letter-collection-ends",
        channel=Channel.LETTER,
        version=1,
        is_required_notice=required,
        approved_at=MONDAY_10AM - timedelta(days=30),
    )


def at_shanghai(day_offset=0, hour=8, minute=0) -> datetime:
    return datetime.combine(MONDAY_10AM.date() + timedelta(days=day_offset), time(hour, minute), tzinfo=SHANGHAI)


# --- allowed, and the hours -------------------------------------------------------------------


def test_nothing_against_it_is_allowed_now():
    decision = decide(facts())
    assert (decision.allowed, decision.reasons, decision.next_allowed_at) == (True, (), MONDAY_10AM)


@pytest.mark.parametrize("hour, minute, allowed", [(7, 59, False), (8, 0, True), (21, 59, True), (22, 0, False)])
def test_the_contact_window_edges_in_the_borrowers_zone(hour, minute, allowed):
    decision = decide(facts(at=at_shanghai(hour=hour, minute=minute)))
    assert decision.allowed is allowed
    if not allowed:
        assert decision.reasons == (Reason.OUTSIDE_HOURS,)
        assert decision.next_allowed_at == at_shanghai(day_offset=1 if hour >= 22 else 0, hour=8)


def test_with_two_possible_zones_only_the_overlap_is_open():
    # 09:00 in New York is 06:00 in Los Angeles: both must be inside 08–21.
    us = profile(code="US-REGF", contact_window_start=time(8), contact_window_end=time(21))
    nine_ny = datetime(2026, 3, 2, 9, 0, tzinfo=NEW_YORK)
    decision = decide(facts(at=nine_ny, zones=("America/New_York", "America/Los_Angeles"), policy=us))
    assert decision.reasons == (Reason.OUTSIDE_HOURS,)
    assert decision.next_allowed_at == datetime(2026, 3, 2, 11, 0, tzinfo=NEW_YORK)  # 08:00 in Los Angeles


def test_a_holiday_is_closed_all_day_and_opens_the_next_morning():
    decision = decide(facts(policy=profile(holidays=f"{MONDAY_10AM.date()}\n{MONDAY_10AM.date() + timedelta(days=1)}")))
    assert decision.reasons == (Reason.HOLIDAY,)
    assert decision.next_allowed_at == at_shanghai(day_offset=2, hour=8)


def test_a_closed_weekday_is_closed_all_day_and_opens_the_next_morning():
    sundays_off = profile(closed_weekdays="7")
    sunday = at_shanghai(day_offset=-1, hour=10)
    decision = decide(facts(at=sunday, policy=sundays_off))
    assert (decision.reasons, decision.params[0]) == (
        (Reason.CLOSED_DAY,),
        {"day": "2026-03-01", "zone": "Asia/Shanghai"},
    )
    assert decision.next_allowed_at == at_shanghai(hour=8)  # Monday morning
    assert decide(facts(policy=sundays_off)).allowed  # Monday
    # Letters are posted, not delivered on the day: no closed days for them.
    assert decide(facts(Channel.LETTER, sunday, state=CaseState.WRITTEN_NOTICE, policy=sundays_off)).allowed


def test_letters_keep_no_calling_hours():
    late = at_shanghai(hour=23, minute=30)
    assert decide(facts(Channel.LETTER, late, state=CaseState.WRITTEN_NOTICE)).allowed


# --- caps and waits: refused until a rolling window frees a slot ------------------------------


def test_connected_calls_cap_reopens_at_the_borrowers_midnight():
    assert decide(facts(connected_calls_today=2)).allowed
    decision = decide(facts(connected_calls_today=3))
    assert (decision.reasons, decision.next_allowed_at) == ((Reason.DAILY_CAP,), at_shanghai(day_offset=1, hour=8))


def test_unanswered_calls_count_per_number():
    assert decide(facts(unanswered_to_point_today=4)).allowed
    assert decide(facts(unanswered_to_point_today=5)).reasons == (Reason.DAILY_CAP,)


def test_one_text_a_day():
    assert decide(facts(Channel.SMS, state=CaseState.REMINDER)).allowed
    assert decide(facts(Channel.SMS, state=CaseState.REMINDER, sms_today=1)).reasons == (Reason.DAILY_CAP,)


def test_seven_calls_in_seven_days_frees_a_slot_on_the_eighth_date():
    # Reg F 1006.14(b)(2): the first call's date is day 1, so a call at 21:30 on day 1 frees
    # its slot at the start of day 8, not 168 hours later (21:30 on day 8).
    reg_f = profile(code="US-REGF", calls_per_debt_7d=7)
    calls = [at_shanghai(day_offset=-6, hour=21, minute=30)] + [
        at_shanghai(day_offset=-d, hour=9) for d in range(5, -1, -1)
    ]
    decision = decide(facts(policy=reg_f, debt_calls_7d=7, counted={"debt_calls_7d": calls}))
    assert decision.reasons == (Reason.WEEKLY_CAP,)
    assert decision.next_allowed_at == at_shanghai(day_offset=1, hour=8)
    assert decide(facts(policy=reg_f, debt_calls_7d=6)).allowed


def test_texts_count_as_calls_where_the_profile_says_so():
    massachusetts = profile(code="US-MA", calls_per_debt_7d=2, sms_counts_as_call=True, sms_per_day=None)
    two_days_ago = MONDAY_10AM - timedelta(days=2)
    sms = facts(
        Channel.SMS,
        state=CaseState.REMINDER,
        policy=massachusetts,
        debt_calls_7d=2,
        counted={"debt_calls_7d": [two_days_ago, MONDAY_10AM - timedelta(hours=1)]},
    )
    assert decide(sms).reasons == (Reason.WEEKLY_CAP,)
    assert decide(replace(sms, profile=profile(code="US-MA", calls_per_debt_7d=2, sms_per_day=None))).allowed


def test_work_numbers_have_their_own_thirty_day_cap():
    massachusetts = profile(code="US-MA", calls_per_debt_7d=2, calls_to_workplace_30d=2)
    work = ContactPoint(kind="phone", value="+16175550100", is_workplace=True)
    first = MONDAY_10AM - timedelta(days=20)
    decision = decide(
        facts(
            point=work,
            policy=massachusetts,
            workplace_calls_30d=2,
            debt_calls_7d=0,
            counted={"workplace_calls_30d": [first, first + timedelta(days=5)]},
        )
    )
    # 30 calendar dates from the first call's: free from the start of the 31st.
    assert (decision.reasons, decision.next_allowed_at) == ((Reason.WEEKLY_CAP,), at_shanghai(day_offset=10, hour=8))
    # The weekly cap does not apply to a work number: it has its own.
    assert decide(facts(point=work, policy=massachusetts, workplace_calls_30d=1, debt_calls_7d=5)).allowed


def test_all_channels_cap_per_borrower():
    capped = profile(attempts_per_borrower_7d=10)
    last_slot = MONDAY_10AM - timedelta(days=6)
    attempts = [last_slot] + [MONDAY_10AM - timedelta(hours=hour) for hour in range(1, 10)]
    decision = decide(
        facts(Channel.SMS, state=CaseState.REMINDER, policy=capped, attempts_7d=10, counted={"attempts_7d": attempts})
    )
    assert (decision.reasons, decision.next_allowed_at) == ((Reason.WEEKLY_CAP,), at_shanghai(day_offset=1, hour=8))


def test_after_a_conversation_the_next_call_waits_for_day_eight():
    reg_f = profile(code="US-REGF", conversation_wait_days=7)
    spoke = at_shanghai(day_offset=-6, hour=15)
    decision = decide(facts(policy=reg_f, last_conversation_at=spoke))
    assert (decision.reasons, decision.next_allowed_at) == (
        (Reason.POST_CONVERSATION_WAIT,),
        at_shanghai(day_offset=1, hour=8),
    )
    assert decide(facts(policy=reg_f, last_conversation_at=spoke - timedelta(days=1))).allowed
    assert decide(facts(Channel.SMS, state=CaseState.REMINDER, policy=reg_f, last_conversation_at=spoke)).allowed


def test_the_next_allowed_time_waits_for_every_refusal_and_then_for_the_window():
    # Capped until tomorrow's midnight, and the all-channel cap (one contact six dates ago)
    # frees a slot at the start of tomorrow too: calls open at 08:00.
    capped = profile(attempts_per_borrower_7d=1)
    decision = decide(
        facts(
            connected_calls_today=3,
            policy=capped,
            attempts_7d=1,
            counted={"attempts_7d": [at_shanghai(day_offset=-6, hour=23)]},
        )
    )
    assert decision.reasons == (Reason.DAILY_CAP, Reason.WEEKLY_CAP)
    assert decision.next_allowed_at == at_shanghai(day_offset=1, hour=8)
    assert decision.overridable


# --- stops that waiting alone does not lift -------------------------------------------------


def test_a_paid_balance_stops_contact_before_the_case_is_closed():
    decision = decide(facts(outstanding=Decimal("0.00")))
    assert (decision.reasons, decision.next_allowed_at, decision.overridable) == ((Reason.CASE_CLOSED,), None, False)
    assert decide(facts(state=CaseState.RESOLVED)).reasons[0] == Reason.CASE_CLOSED


def test_a_cease_request_lets_only_required_notices_through():
    cease = [hold(Hold.Kind.CEASE_COMMUNICATION)]
    assert decide(facts(holds=cease)).reasons == (Reason.CEASE_REQUESTED,)
    letter = facts(Channel.LETTER, state=CaseState.WRITTEN_NOTICE, holds=cease, template=notice())
    assert decide(letter).allowed
    assert decide(replace(letter, template=notice(required=False))).reasons == (Reason.CEASE_REQUESTED,)


def test_a_hold_refuses_until_it_ends_or_for_good_when_open_ended():
    ends = at_shanghai(day_offset=30, hour=12)
    dated = decide(facts(state=CaseState.ON_HOLD, holds=[hold(Hold.Kind.DISPUTE, ends)]))
    assert (dated.reasons, dated.next_allowed_at) == ((Reason.CASE_ON_HOLD,), ends)
    open_ended = decide(facts(state=CaseState.ON_HOLD, holds=[hold(Hold.Kind.DISPUTE, ends), hold(Hold.Kind.HARDSHIP)]))
    assert (open_ended.reasons, open_ended.next_allowed_at) == ((Reason.CASE_ON_HOLD,), None)


def test_opt_out_and_an_invalid_number_are_never_overridable():
    opted = decide(facts(opted_out=True))
    invalid = decide(facts(point=ContactPoint(kind="phone", value="+8613800000002", is_invalid=True)))
    assert (opted.reasons, invalid.reasons) == ((Reason.CHANNEL_OPT_OUT,), (Reason.INVALID_CONTACT_POINT,))
    assert not opted.overridable and not invalid.overridable


@pytest.mark.parametrize(
    "state, ladder_rung, allowed",
    [
        (CaseState.REMINDER, CaseState.REMINDER, False),
        (CaseState.PHONE, CaseState.PHONE, True),
        # A side state keeps the highest rung reached.
        (CaseState.ARRANGEMENT, CaseState.PHONE, True),
        (CaseState.ARRANGEMENT, CaseState.REMINDER, False),
    ],
)
def test_a_phone_call_needs_the_phone_rung(state, ladder_rung, allowed):
    f = facts(state=state)
    f.case.ladder_rung = ladder_rung
    decision = decide(f)
    assert decision.allowed is allowed
    assert allowed or decision.reasons == (Reason.STAGE_NOT_REACHED,)


def test_an_unapproved_template_is_refused():
    draft = MessageTemplate(code="sms-reminder", channel=Channel.SMS, version=2, approved_at=None)
    assert decide(facts(Channel.SMS, state=CaseState.REMINDER, template=draft)).reasons == (
        Reason.TEMPLATE_NOT_APPROVED,
    )


# --- third parties ------------------------------------------------------------------------------


def third_party() -> ContactPoint:
    return ContactPoint(
        kind="phone", value="+8613900000009", owner=ContactPoint.Owner.THIRD_PARTY, third_party_relation="employer"
    )


def test_cn_calls_a_third_party_only_when_the_borrower_is_unreachable():
    assert decide(facts(point=third_party())).reasons == (Reason.THIRD_PARTY_LIMIT,)
    assert decide(facts(point=third_party(), borrower_unreachable=True)).allowed


def test_reg_f_contacts_a_third_party_once():
    reg_f = profile(code="US-REGF", third_party_max_per_person=1, third_party_requires_unreachable=False)
    assert decide(facts(point=third_party(), policy=reg_f)).allowed
    assert decide(facts(point=third_party(), policy=reg_f, third_party_contacts=1)).reasons == (
        Reason.THIRD_PARTY_LIMIT,
    )
    assert decide(facts(point=third_party(), policy=profile(third_party_contact_allowed=False))).reasons == (
        Reason.THIRD_PARTY_LIMIT,
    )


def test_the_holiday_list_is_read_as_dates():
    assert profile(holidays="2026-10-01\n2026-10-02").holiday_dates == {date(2026, 10, 1), date(2026, 10, 2)}


# --- the first contact names the lender (CBA 2026) ------------------------------------------


def _sms(body: str) -> MessageTemplate:
    return MessageTemplate(
        code="sms-first", channel=Channel.SMS, version=1, body=body, approved_at=MONDAY_10AM - timedelta(days=1)
    )


def test_a_first_contact_must_use_a_template_that_names_the_lender():
    unsigned, signed = (
        _sms("{borrower_name}您好，请尽快还款。"),
        _sms("【{lender_name}】{borrower_name}您好，请尽快还款。"),
    )
    cn = profile(first_contact_names_institution=True)
    first = decide(facts(Channel.SMS, state=CaseState.REMINDER, template=unsigned, policy=cn))
    assert (first.reasons, first.params, first.next_allowed_at) == (
        (Reason.FIRST_CONTACT_IDENTITY,),
        ({"template": "sms-first"},),
        None,
    )
    assert decide(facts(Channel.SMS, state=CaseState.REMINDER, template=signed, policy=cn)).allowed
    # Once the case was contacted, later messages need not repeat it.
    assert decide(
        facts(Channel.SMS, state=CaseState.REMINDER, template=unsigned, policy=cn, case_contacted=True)
    ).allowed
    # A profile without the rule does not ask it.
    assert decide(facts(Channel.SMS, state=CaseState.REMINDER, template=unsigned, policy=profile())).allowed
