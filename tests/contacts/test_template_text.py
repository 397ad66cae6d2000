"""Template text (contacts/template_text.py): plain placeholders only, a length cap per
channel, and prohibited words found however they are disguised."""

from django.utils import timezone
import pytest

from cases.models import CaseState
from contacts import outbox, template_text
from contacts.gateways.file import delivered
from contacts.models import MessageTemplate, OutboundMessage
from contacts.services import MessageTooLong, TemplateError, approve_template, render_template, save_template_version
from contacts.template_text import fold_lookalikes
from policy.codes import Channel
from tests.clock import SHANGHAI, frozen, local
from tests.factories import phone_case


def save(body, *, channel=Channel.SMS, subject="", by):
    return save_template_version(code="t", channel=channel, language="en", subject=subject, body=body, by=by)


@pytest.mark.parametrize(
    "body",
    [
        "Hello {borrower_name:>100000000}",
        "Hello {borrower_name!r}",
        "Owed: {amount_due:,}",
        "Hello {borrower_name:{hotline}}",
    ],
)
def test_format_specs_and_conversions_are_refused_when_a_version_is_saved(db, administrator, body):
    with pytest.raises(TemplateError, match="Only plain placeholders"):
        save(body, by=administrator)
    assert not MessageTemplate.objects.filter(code="t").exists()  # the shipped templates aside


def test_a_spec_in_the_subject_is_refused_too(db, administrator):
    with pytest.raises(TemplateError, match="Only plain placeholders"):
        save("Hello", channel=Channel.EMAIL, subject="{loan_number:>500}", by=administrator)


def test_a_template_longer_than_its_channel_allows_is_refused(db, administrator, settings):
    limit = settings.MESSAGE_MAX_CHARACTERS["sms"]
    with pytest.raises(TemplateError, match=f"Longer than the {limit} characters"):
        save("x" * (limit + 1), by=administrator)
    assert save("x" * (limit - 20) + "{borrower_name}", by=administrator).version == 1
    assert save("x" * 5000, channel=Channel.EMAIL, by=administrator).version == 2


def test_a_rendered_message_is_capped_by_channel(db, administrator, reviewer, settings):
    settings.MESSAGE_MAX_CHARACTERS = {**settings.MESSAGE_MAX_CHARACTERS, "sms": 60}
    template = approve_template(save("Hello {borrower_name}, call {hotline}.", by=administrator), by=reviewer)
    case = phone_case()
    _subject, body = render_template(template, case, hotline="400")
    assert body == f"Hello {case.account.borrower.full_name}, call 400."
    with pytest.raises(MessageTooLong) as too_long:
        render_template(template, case, hotline="4" * 100)
    assert too_long.value.limit == 60 and too_long.value.channel == Channel.SMS
    assert "60 characters" in str(too_long.value)


def test_an_approved_version_with_a_spec_is_never_expanded(db, administrator, reviewer):
    """A version saved before specs were refused (written straight to the table) still
    cannot produce a huge message: rendering refuses the spec instead of applying it."""
    template = MessageTemplate.objects.create(
        code="old",
        channel=Channel.SMS,
        language="en",
        body="Hello {borrower_name:>100000000}",
        approved_at=timezone.now(),
        approved_by=reviewer,
    )
    with pytest.raises(TemplateError, match="Only plain placeholders"):
        render_template(template, phone_case())


@pytest.mark.parametrize(
    "body",
    [
        "Pay now or the ｐｏｌｉｃｅ will come.",  # full-width Latin
        "Pay now or we will аrrеst you.",  # Cyrillic а and е
        "Pay now or go to јаіl.",  # Cyrillic ј, а, і
        "Pay now or the ΡΟLICE will come.",  # Greek capital rho and omicron
        "Pay now or go to PRISON.",  # upper case
        "Pay now or go to pri\u200bson.",  # a zero-width space inside
        "Pay now or you are a crímínal.",  # accents
        "不还款将列入黑名单",  # the Chinese list is matched as before
    ],
)
def test_prohibited_words_are_found_behind_look_alike_letters(db, administrator, body):
    with pytest.raises(TemplateError, match="Prohibited content"):
        save(body, by=administrator)
    assert not MessageTemplate.objects.filter(code="t").exists()  # the shipped templates aside


def test_folding_leaves_ordinary_text_alone():
    assert fold_lookalikes("Hello Wang Wei, 您好") == "hello wang wei, 您好"
    assert fold_lookalikes("ＡＲＲＥＳＴ") == fold_lookalikes("аrrest") == "arrest"


def test_the_outbox_fails_a_message_too_long_and_sends_the_others(db, administrator, reviewer, settings, tmp_path):
    settings.OUTBOX_DIR = tmp_path
    settings.MESSAGE_MAX_CHARACTERS = {**settings.MESSAGE_MAX_CHARACTERS, "sms": 90}
    template = approve_template(save("{lender_name}: Hello {borrower_name}.", by=administrator), by=reviewer)
    short = phone_case(dpd=3, rung=CaseState.REMINDER, phones=("+8613800000011",))
    long = phone_case(dpd=3, rung=CaseState.REMINDER, phones=("+8613800000012",))
    borrower = long.account.borrower
    borrower.full_name = "N" * 100
    borrower.save()
    slot = local(SHANGHAI, hour=9)
    for case in (short, long):
        OutboundMessage.objects.create(
            case=case,
            channel=Channel.SMS,
            template=template,
            contact_point=case.points[0],
            slot=slot,
            scheduled_for=slot,
            idempotency_key=OutboundMessage.key_for(case.pk, template.pk, slot),
        )
    with frozen(local(SHANGHAI, hour=9, minute=1)):
        counts = outbox.dispatch_outbox()
    assert (counts["sent"], counts["failed"]) == (1, 1)
    failed = OutboundMessage.objects.get(case=long)
    assert failed.state == OutboundMessage.State.FAILED and "90 characters" in failed.last_error
    assert [sent["case_id"] for sent in delivered("sms", tmp_path)] == [short.pk]


def test_the_legal_action_and_lender_checks_follow_the_text_not_the_template():
    """The engine's per-send checks are cached by the text itself: a template whose text
    changes (a new version, an edit in memory) is judged on its new words at once."""
    template = MessageTemplate(code="sms-x", channel=Channel.SMS, language="en", subject="", body="Please pay.")
    assert (template.mentions_legal_action, template.names_lender) == (False, False)
    template.body = "{lender_name}: we will take you to c\u043eurt."  # Cyrillic o
    assert (template.mentions_legal_action, template.names_lender) == (True, True)
    template.body = "Please pay."
    assert (template.mentions_legal_action, template.names_lender) == (False, False)
    assert template_text.mentions_legal_action.cache_info().hits >= 1
