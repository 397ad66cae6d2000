"""Automated calls are calls (POLICY.md second edition; GB/T 45251-2025: at most 3
connected calls a day, AI voice included): recorded as automated, judged and counted like
any call."""

import pytest

from contacts.engine import ContactRequestError
from contacts.models import ContactAttempt
from contacts.services import ContactBlocked, record_attempt, record_automated_call
from policy.codes import Channel, Outcome, Reason
from tests.clock import SHANGHAI, local
from tests.factories import phone_case

PlacedBy = ContactAttempt.PlacedBy


def test_ivr_and_voice_bot_calls_count_toward_the_three_connected_calls_a_day(db, collector):
    case = phone_case()
    case.assigned_collector = collector
    case.save(update_fields=["assigned_collector"])
    point = case.points[0]
    ivr = record_automated_call(
        case, point, Outcome.CALLBACK, at=local(SHANGHAI, hour=9), callback_at=local(SHANGHAI, day_offset=8, hour=9)
    )
    bot = record_automated_call(
        case, point, Outcome.RIGHT_PARTY, placed_by=PlacedBy.VOICE_BOT, at=local(SHANGHAI, hour=10)
    )
    assert (ivr.placed_by, bot.placed_by, ivr.agent, ivr.channel) == (
        PlacedBy.IVR,
        PlacedBy.VOICE_BOT,
        None,
        "phone_call",
    )
    record_attempt(
        case, Channel.PHONE_CALL, Outcome.RIGHT_PARTY, by=collector, at=local(SHANGHAI, hour=11), contact_point=point
    )
    # Two automated and one human connected call: the fourth, by anyone, is refused.
    with pytest.raises(ContactBlocked) as blocked:
        record_automated_call(case, point, Outcome.RIGHT_PARTY, at=local(SHANGHAI, hour=12))
    assert blocked.value.decision.reasons == (Reason.DAILY_CAP,)
    assert blocked.value.attempt.placed_by == PlacedBy.IVR and not blocked.value.attempt.allowed
    with pytest.raises(ContactBlocked):
        record_attempt(
            case, Channel.PHONE_CALL, Outcome.NO_ANSWER, by=collector, at=local(SHANGHAI, hour=13), contact_point=point
        )


def test_an_automated_call_keeps_the_calling_hours(db):
    case = phone_case()
    with pytest.raises(ContactBlocked) as blocked:
        record_automated_call(case, case.points[0], Outcome.NO_ANSWER, at=local(SHANGHAI, hour=7, minute=59))
    assert blocked.value.decision.reasons == (Reason.OUTSIDE_HOURS,)


def test_only_automated_callers_place_automated_calls(db):
    case = phone_case()
    with pytest.raises(ContactRequestError):
        record_automated_call(case, case.points[0], Outcome.NO_ANSWER, placed_by=PlacedBy.PERSON)
    assert not ContactAttempt.objects.filter(case=case).exists()
