"""The first message or call of a case names the lender (CBA 2026), read from the case's
own contact history."""

from cases.models import CaseState
from policy.codes import Channel, Reason
from tests.clock import SHANGHAI, local
from tests.contacts.asking import decide
from tests.factories import approved_template, past, phone_case


def test_the_first_message_of_a_chinese_case_names_the_lender_and_later_ones_need_not(db):
    case = phone_case(dpd=3, rung=CaseState.REMINDER)
    unsigned = approved_template("sms-plain", Channel.SMS, "{borrower_name}您好，请尽快还款。", signed=False)
    signed = approved_template("sms-signed", Channel.SMS, "{borrower_name}您好，请尽快还款。")
    at = local(SHANGHAI, hour=10)
    refused = decide(case, at, channel=Channel.SMS, template=unsigned)
    assert refused.reasons == (Reason.FIRST_CONTACT_IDENTITY,) and refused.next_allowed_at is None
    assert "sms-plain" in refused.explanations[0]
    assert decide(case, at, channel=Channel.SMS, template=signed).allowed
    # A refused attempt is not a contact: the case has still never been contacted.
    past(case, local(SHANGHAI, day_offset=6, hour=10), allowed=False)
    assert decide(case, at, channel=Channel.SMS, template=unsigned).reasons == (Reason.FIRST_CONTACT_IDENTITY,)
    past(case, local(SHANGHAI, day_offset=6, hour=11))
    assert decide(case, at, channel=Channel.SMS, template=unsigned).allowed


def test_a_us_profile_does_not_ask_it(db):
    case = phone_case(
        profile="US-REGF", zone="America/New_York", phones=("+12125550123",), dpd=3, rung=CaseState.REMINDER
    )
    unsigned = approved_template("sms-plain-en", Channel.SMS, "Hello {borrower_name}.", language="en", signed=False)
    from tests.clock import NEW_YORK

    assert decide(case, local(NEW_YORK, hour=10), channel=Channel.SMS, template=unsigned).allowed
