"""Refusals are stored as meaning (reason codes and their parameters) and worded when read,
in the reader's language: contacts/refusals.py."""

import re

from django.urls import reverse
from django.utils import translation
import pytest

from contacts.models import ChannelOptOut, ContactAttempt, OutboundMessage
from contacts.refusals import explain, explain_all, reason_label
from contacts.services import ContactBlocked, check_contact, record_attempt
from core.when import local_datetime
from policy.codes import Channel, Outcome, Reason
from tests.clients import client_for
from tests.clock import SHANGHAI, local
from tests.factories import approved_template, create_case, phone_case

HAN = re.compile(r"[\u3400-\u9fff]")
ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
ENGLISH_WORD = re.compile(r"[A-Za-z]{3,}")
# What a Chinese sentence may still spell in Latin letters: zone names, template codes and
# the channel and currency codes people use as they are.
CODES_PEOPLE_USE = ["Asia/Shanghai", "America/New_York", "SMS", "CNY"]

# One refusal of every reason code (and every variant a rule writes), with its parameters
# as the rules store them and the sentence an English reader gets.
EXAMPLES = [
    (
        Reason.CLOSED_DAY,
        {"day": "2026-11-29", "zone": "America/New_York"},
        "29 Nov 2026 is a day without contact in America/New_York.",
    ),
    (
        Reason.CONSENT_REQUIRED,
        {"channel": "sms", "withdrawn_at": None},
        "No recorded consent from the borrower to sms contact.",
    ),
    (
        Reason.CONSENT_REQUIRED,
        {"channel": "email", "withdrawn_at": "2026-11-20T09:30:00+00:00"},
        "The borrower withdrew consent to email contact on 20 Nov 2026.",
    ),
    (
        Reason.TIME_BARRED,
        {"limitation_date": "2025-03-01", "template": "r-2"},
        "The debt has been time-barred since 1 Mar 2025; template r-2 mentions legal action.",
    ),
    (
        Reason.FIRST_CONTACT_IDENTITY,
        {"template": "r-1"},
        "A case's first contact must use a template that names the lender; r-1 does not.",
    ),
    (
        Reason.FIRST_CONTACT_IDENTITY,
        {"template": None},
        "A case's first contact must use a template that names the lender.",
    ),
    (
        Reason.WEEKLY_CAP,
        {"measure": "account_attempts_7d", "count": 3, "limit": 3},
        "3 contacts or attempts about this account in 7 days, all media (limit 3).",
    ),
    (Reason.CASE_CLOSED, {"state": "resolved"}, "The case is resolved."),
    (Reason.CASE_CLOSED, {"paid_in_full": True}, "The debt is paid in full."),
    (Reason.CEASE_REQUESTED, {}, "The borrower asked us to stop contacting them."),
    (
        Reason.CASE_ON_HOLD,
        {"kinds": ["hardship", "dispute"], "until": None},
        "The case is on hold (dispute, hardship).",
    ),
    (Reason.CHANNEL_OPT_OUT, {"channel": "email"}, "The borrower opted out of email contact here."),
    (Reason.INVALID_CONTACT_POINT, {}, "This contact point is known to be invalid."),
    (
        Reason.STAGE_NOT_REACHED,
        {"channel": "phone_call", "needed": "phone", "rung": "reminder"},
        "Phone call needs the 'Phone calls' rung; the case is on 'Reminders'.",
    ),
    (Reason.NO_APPROVED_VISIT, {}, "No approved field visit for this case."),
    (Reason.TEMPLATE_NOT_APPROVED, {"template": "r-1", "version": 2}, "Template r-1 v2 is not approved by compliance."),
    (Reason.THIRD_PARTY_LIMIT, {"rule": "none_allowed"}, "This profile allows no third-party contact."),
    (
        Reason.THIRD_PARTY_LIMIT,
        {"rule": "per_person", "contacts": 1, "limit": 1},
        "This third party was already contacted 1 time(s) (limit 1).",
    ),
    (
        Reason.THIRD_PARTY_LIMIT,
        {"rule": "borrower_reachable", "failed_calls": 3},
        "The borrower is reachable: third parties only after 3 consecutive failed calls or when every number is invalid.",
    ),
    (
        Reason.DAILY_CAP,
        {"measure": "connected_calls_today", "count": 3, "limit": 3},
        "3 connected calls with this borrower today (limit 3).",
    ),
    (
        Reason.DAILY_CAP,
        {"measure": "unanswered_to_point_today", "count": 6, "limit": 6},
        "6 unanswered calls to this number today (limit 6).",
    ),
    (
        Reason.DAILY_CAP,
        {"measure": "sms_today", "count": 1, "limit": 1},
        "1 text message(s) to this borrower today (limit 1).",
    ),
    (
        Reason.WEEKLY_CAP,
        {"measure": "workplace_calls_30d", "count": 2, "limit": 2},
        "2 calls to work numbers in 30 days (limit 2).",
    ),
    (
        Reason.WEEKLY_CAP,
        {"measure": "debt_calls_7d", "count": 7, "limit": 7},
        "7 calls about this debt in 7 days (limit 7).",
    ),
    (
        Reason.WEEKLY_CAP,
        {"measure": "attempts_7d", "count": 10, "limit": 10},
        "10 contacts with this borrower on all channels in 7 days (limit 10).",
    ),
    (
        Reason.POST_CONVERSATION_WAIT,
        {"spoke_at": "2026-11-20T23:30-05:00", "zone": "America/New_York", "days": 7},
        "Spoke with the borrower on 20 Nov 2026; no calls for 7 days from that day.",
    ),
    (
        Reason.HOLIDAY,
        {"day": "2026-10-01", "zone": "Asia/Shanghai"},
        "1 Oct 2026 is a public holiday in Asia/Shanghai.",
    ),
    (
        Reason.OUTSIDE_HOURS,
        {"local_time": "2026-11-24T21:30-05:00", "zone": "America/New_York", "start": "08:00", "end": "21:00"},
        "It is 21:30 for the borrower (America/New_York); contact only 08:00–21:00.",
    ),
]


def latin_words(text: str) -> list[str]:
    for code in CODES_PEOPLE_USE:
        text = text.replace(code, " ")
    return ENGLISH_WORD.findall(text)


def test_every_reason_code_has_an_example():
    assert {str(code) for code, _params, _english in EXAMPLES} == set(Reason.values)


@pytest.mark.parametrize("code, params, english", EXAMPLES)
def test_every_refusal_reads_english(code, params, english):
    with translation.override("en"):
        text = explain(code, params)
    assert text == english
    assert not HAN.search(text) and not ISO_DAY.search(text)


@pytest.mark.parametrize("code, params, english", EXAMPLES)
def test_every_refusal_reads_chinese(code, params, english):
    with translation.override("zh-hans"):
        text = explain(code, params)
    assert HAN.search(text), text
    assert latin_words(text) == [], text
    assert not ISO_DAY.search(text), text


def test_dates_in_chinese_are_written_the_chinese_way():
    holiday = {"day": "2026-10-01", "zone": "Asia/Shanghai"}
    with translation.override("zh-hans"):
        assert "2026年10月1日" in explain(Reason.HOLIDAY, holiday)


@pytest.mark.parametrize("code", Reason.values)
def test_a_row_without_parameters_reads_its_reasons_label(code):
    """Attempts stored before the parameters were kept have only their codes."""
    with translation.override("en"):
        english = explain(code)
        assert english == f"{Reason(code).label}."
    with translation.override("zh-hans"):
        chinese = explain(code)
        assert HAN.search(chinese) and latin_words(chinese) == [] and code not in chinese


def test_parameters_this_version_cannot_word_read_as_the_label():
    with translation.override("en"):
        assert explain(Reason.DAILY_CAP, {"measure": "unknown", "count": 1, "limit": 1}) == "Daily limit reached."
        assert explain(Reason.OUTSIDE_HOURS, {"zone": "Asia/Shanghai"}) == "Outside the borrower's contact hours."


def test_codes_that_are_not_the_engines_have_labels_too():
    with translation.override("en"):
        assert reason_label("visit_cancelled") == "The field visit was cancelled"
        assert explain_all(["visit_cancelled", "case_closed"], []) == [
            "The field visit was cancelled.",
            "Case is closed or the debt is paid.",
        ]


def test_stored_parameters_pair_with_their_codes():
    stored = [
        {"reason": "weekly_cap", "params": {"measure": "attempts_7d", "count": 10, "limit": 10}},
        {"reason": "case_on_hold", "params": {"kinds": ["dispute"], "until": None}},
    ]
    with translation.override("en"):
        assert explain_all(["case_on_hold", "weekly_cap"], stored) == [
            "The case is on hold (dispute).",
            "10 contacts with this borrower on all channels in 7 days (limit 10).",
        ]


# --- decisions and attempts -------------------------------------------------------------


def assigned(case, collector):
    case.assigned_collector = collector
    case.save(update_fields=["assigned_collector"])
    return case


def at_eleven_pm() -> str:
    return local(SHANGHAI, hour=23).isoformat(timespec="minutes")


def test_the_decision_words_itself_when_read(db):
    case = phone_case()
    decision = check_contact(case, Channel.PHONE_CALL, at=local(SHANGHAI, hour=23), contact_point=case.points[0])
    assert decision.params == ({"local_time": at_eleven_pm(), **HOURS_CN},)
    with translation.override("zh-hans"):
        chinese = decision.explain()
    with translation.override("en"):
        english = decision.explain()
        when = local_datetime(decision.next_allowed_at, show_zone=True)
    assert (
        english == f"It is 23:00 for the borrower (Asia/Shanghai); contact only 08:00–22:00. Allowed again from {when}."
    )
    assert HAN.search(chinese) and not HAN.search(english) and not ISO_DAY.search(english + chinese)


HOURS_CN = {"zone": "Asia/Shanghai", "start": "08:00", "end": "22:00"}


def test_a_refusal_met_in_chinese_reads_english_to_an_english_reader(db, collector, reviewer):
    case = assigned(phone_case(), collector)
    with translation.override("zh-hans"), pytest.raises(ContactBlocked):
        record_attempt(
            case,
            Channel.PHONE_CALL,
            Outcome.NO_ANSWER,
            by=collector,
            at=local(SHANGHAI, hour=23),
            contact_point=case.points[0],
        )
    attempt = ContactAttempt.objects.get()
    # What is stored: the meaning, and the words the collector was shown, as shown.
    assert attempt.refusal_params == [{"reason": "outside_hours", "params": {"local_time": at_eleven_pm(), **HOURS_CN}}]
    assert HAN.search(" ".join(attempt.explanations))
    with translation.override("en"):
        assert attempt.refusal_explanations == [
            "It is 23:00 for the borrower (Asia/Shanghai); contact only 08:00–22:00."
        ]

    client = client_for(reviewer)
    page = client.get(reverse("compliance:dossier", args=[case.pk])).content.decode()
    assert "REFUSED: It is 23:00 for the borrower (Asia/Shanghai); contact only 08:00–22:00." in page
    assert "(Outside the borrower&#x27;s contact hours)" in page and "outside_hours" not in page
    # The dossier reads one language; the words shown at the time are on the attempt's page.
    own_page = reverse("admin:contacts_contactattempt_change", args=[attempt.pk])
    assert attempt.explanations[0] not in page and own_page in page
    evidence = client.get(own_page).content.decode()
    assert "As shown at the time" in evidence and attempt.explanations[0] in evidence


def test_admin_pages_name_reasons_never_show_codes(db, supervisor):
    case = phone_case()
    with pytest.raises(ContactBlocked):
        record_attempt(
            case,
            Channel.PHONE_CALL,
            Outcome.NO_ANSWER,
            by=supervisor,
            at=local(SHANGHAI, hour=23),
            contact_point=case.points[0],
        )
    attempt = ContactAttempt.objects.get()
    client = client_for(supervisor)
    listing = client.get(reverse("admin:contacts_contactattempt_changelist")).content.decode()
    assert "Outside the borrower&#x27;s contact hours" in listing and "outside_hours" not in listing
    detail = client.get(reverse("admin:contacts_contactattempt_change", args=[attempt.pk])).content.decode()
    assert "It is 23:00 for the borrower (Asia/Shanghai); contact only 08:00–22:00." in detail
    assert "outside_hours" not in detail and "local_time" not in detail


def test_the_outbox_keeps_why_a_message_was_dropped(db, supervisor):
    case = create_case(dpd=3)
    message = OutboundMessage.objects.create(
        case=case,
        channel=Channel.SMS,
        template=approved_template("sms-reminder", Channel.SMS, "{loan_number}"),
        contact_point=case.account.borrower.contact_points.first(),
        slot=local(SHANGHAI, hour=9),
        scheduled_for=local(SHANGHAI, hour=9),
        idempotency_key="dropped",
        state=OutboundMessage.State.SUPPRESSED,
        suppressed_reasons=["case_on_hold", "visit_cancelled"],
        suppressed_params=[{"reason": "case_on_hold", "params": {"kinds": ["dispute"], "until": None}}],
    )
    client = client_for(supervisor)
    listing = client.get(reverse("admin:contacts_outboundmessage_changelist")).content.decode()
    assert "Case is on hold, The field visit was cancelled" in listing and "case_on_hold" not in listing
    detail = client.get(reverse("admin:contacts_outboundmessage_change", args=[message.pk])).content.decode()
    assert "The case is on hold (dispute). The field visit was cancelled." in detail
    assert "case_on_hold" not in detail and "visit_cancelled" not in detail


def test_contact_records_name_themselves_in_the_readers_language(db, supervisor):
    case = phone_case()
    with pytest.raises(ContactBlocked):
        record_attempt(
            case,
            Channel.PHONE_CALL,
            Outcome.NO_ANSWER,
            by=supervisor,
            at=local(SHANGHAI, hour=23),
            contact_point=case.points[0],
        )
    attempt = ContactAttempt.objects.get()
    message = OutboundMessage.objects.create(
        case=case,
        channel=Channel.SMS,
        template=approved_template("sms-reminder", Channel.SMS, "{loan_number}"),
        contact_point=case.points[0],
        slot=local(SHANGHAI, hour=9),
        scheduled_for=local(SHANGHAI, hour=9),
        idempotency_key="named",
        state=OutboundMessage.State.SUPPRESSED,
    )
    opt_out = ChannelOptOut.objects.create(borrower=case.account.borrower, channel=Channel.SMS)
    with translation.override("en"):
        assert str(attempt) == f"Phone call blocked {local_datetime(attempt.started_at)}"
        assert str(message) == f"SMS to case {case.pk} at {local_datetime(message.scheduled_for)} (suppressed)"
        assert str(opt_out) == f"{case.account.borrower} opted out of SMS"
    with translation.override("zh-hans"):
        names = [str(attempt), str(message), str(opt_out).replace(str(case.account.borrower), "")]
    for name in names:
        assert HAN.search(name) and latin_words(name) == [] and not ISO_DAY.search(name), name
