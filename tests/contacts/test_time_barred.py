"""Time-barred debts in the compliance engine and the outbox (Reg F 1006.26): a template that
mentions legal action is refused once the borrower-local date is past the limitation date,
and a validation notice about a time-barred debt under a US profile carries the disclosure
in the template's language, exactly as stored."""

from datetime import timedelta
from unittest import mock

from django.utils import timezone, translation
import pytest

from cases.models import CaseState, ContactPoint, LoanAccount
from contacts import outbox
from contacts.borrower_text import TIME_BARRED_DISCLOSURE
from contacts.gateways.file import delivered
from contacts.models import MessageTemplate, OutboundMessage
from contacts.services import check_contact
from policy.codes import Channel, Reason
from tests.clock import NEW_YORK, SHANGHAI, local
from tests.factories import approved_template, phone_case


@pytest.fixture(autouse=True)
def outbox_dir(tmp_path, settings):
    settings.OUTBOX_DIR = tmp_path / "outbox"
    return settings.OUTBOX_DIR


def last_acknowledged(case, years_ago: int, days: int = 0):
    """The debt last paid or acknowledged so that ``years_ago`` years later falls ``days``
    from today (avoiding 29 February, which has no year-later twin)."""
    day = timezone.localdate() + timedelta(days=days)
    while (day.month, day.day) == (2, 29):
        day += timedelta(days=1)
        days += 1
    LoanAccount.objects.filter(pk=case.account_id).update(last_acknowledged_on=day.replace(year=day.year - years_ago))
    case.account.refresh_from_db()
    return days


# --- the engine rule ------------------------------------------------------------------------------


@pytest.fixture
def legal_sms(db):
    return approved_template(
        "sms-legal-warning-en",
        Channel.SMS,
        "Loan {loan_number} is overdue. If it stays unpaid we may take legal action.",
        language="en",
    )


def test_legal_action_is_not_mentioned_past_the_limitation_date(db, legal_sms):
    case = phone_case(profile="US-REGF", zone="America/New_York", phones=("+12125550123",))
    days = last_acknowledged(case, 6, days=3)  # US-REGF: 6 years; the limitation date is 3 days ahead
    limitation = case.account.limitation_date(case.policy_profile)
    point = case.points[0]
    on_the_day = check_contact(case, Channel.SMS, local(NEW_YORK, day_offset=days, hour=20), point, template=legal_sms)
    assert on_the_day.allowed, on_the_day.reasons
    # The next borrower-local day: time-barred, and waiting will not help.
    day_after = local(NEW_YORK, day_offset=days + 1, hour=10)
    refused = check_contact(case, Channel.SMS, day_after, point, template=legal_sms)
    assert refused.reasons == (Reason.TIME_BARRED,)
    assert refused.params == ({"limitation_date": limitation.isoformat(), "template": "sms-legal-warning-en"},)
    assert refused.next_allowed_at is None
    with translation.override("en"):
        assert "mentions legal action" in refused.explanations[0]


def test_a_template_without_legal_action_still_goes_to_a_time_barred_debt(db):
    reminder = approved_template("sms-plain-en", Channel.SMS, "Loan {loan_number} is overdue.", language="en")
    case = phone_case(profile="US-REGF", zone="America/New_York", phones=("+12125550123",))
    last_acknowledged(case, 7)
    decision = check_contact(case, Channel.SMS, local(NEW_YORK, hour=10), case.points[0], template=reminder)
    assert decision.allowed, decision.reasons


# --- the time-barred disclosure ------------------------------------------------------------------


def validation_letter(language: str) -> MessageTemplate:
    template = approved_template(
        f"letter-validation-{language}",
        Channel.LETTER,
        "Dear {borrower_name}, this notice concerns loan {loan_number}: {amount} is owed."
        if language == "en"
        else "{borrower_name}您好：本通知涉及贷款{loan_number}，欠款{amount}。",
        language=language,
    )
    MessageTemplate.objects.filter(pk=template.pk).update(is_validation_notice=True)
    template.refresh_from_db()
    return template


def send_letter(case, template) -> OutboundMessage:
    address = ContactPoint.objects.create(borrower=case.account.borrower, kind="postal", value="1 Main St")
    at = timezone.now()
    message = OutboundMessage.objects.create(
        case=case,
        channel=Channel.LETTER,
        template=template,
        contact_point=address,
        slot=at,
        scheduled_for=at,
        idempotency_key=f"validation-{case.pk}",
    )
    with mock.patch("django.utils.timezone.now", return_value=at + timedelta(minutes=1)):
        assert outbox.dispatch_outbox()["sent"] == 1
    message.refresh_from_db()
    return message


def letter_case(profile: str, zone):
    phones = ("+12125550123",) if profile.startswith("US") else ("+8613800000001",)
    return phone_case(profile=profile, zone=str(zone), phones=phones, dpd=40, rung=CaseState.WRITTEN_NOTICE)


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_validation_notice_about_a_time_barred_us_debt_carries_the_disclosure(db, outbox_dir, language):
    case = letter_case("US-REGF", NEW_YORK)
    last_acknowledged(case, 7)
    message = send_letter(case, validation_letter(language))
    disclosure = TIME_BARRED_DISCLOSURE[language]
    assert message.body.endswith("\n\n" + disclosure)
    (sent,) = delivered("letter", outbox_dir)
    assert sent["body"] == message.body == message.attempt.message_text  # stored exactly as sent
    other = TIME_BARRED_DISCLOSURE["zh-hans" if language == "en" else "en"]
    assert other not in message.body


def test_no_disclosure_under_cn_or_for_a_debt_not_yet_barred(db, outbox_dir):
    cn = letter_case("CN", SHANGHAI)
    last_acknowledged(cn, 7)  # time-barred under CN's 3 years, but CN sets no disclosure
    us_recent = letter_case("US-REGF", NEW_YORK)
    last_acknowledged(us_recent, 1)
    for case, language in ((cn, "zh-hans"), (us_recent, "en")):
        message = send_letter(case, validation_letter(language))
        assert message.state == OutboundMessage.State.SENT
        assert not any(text in message.body for text in TIME_BARRED_DISCLOSURE.values())


def test_an_ordinary_letter_about_a_time_barred_us_debt_gets_no_disclosure(db, outbox_dir):
    case = letter_case("US-REGF", NEW_YORK)
    last_acknowledged(case, 7)
    letter = approved_template("letter-plain-en", Channel.LETTER, "Loan {loan_number}: {amount}.", language="en")
    message = send_letter(case, letter)
    assert message.body.endswith(".") and TIME_BARRED_DISCLOSURE["en"] not in message.body
