"""What a borrower reads is in one language, theirs: the amount written the way that
reader writes money, the lender and the payment instructions in that language, the
signature Chinese carriers require on a text, and no SMS convention in an e-mail."""

from decimal import Decimal

import pytest

from contacts.borrower_text import amount_for, in_language
from contacts.services import approve_template, render_template, save_template_version
from policy.codes import Channel
from tests.factories import make_user, phone_case


@pytest.fixture
def people(db):
    return make_user("Administrator"), make_user("Compliance reviewer")


def _approved(people, channel, language, body, subject=""):
    author, reviewer = people
    template = save_template_version(
        code=f"t-{channel}-{language}", channel=channel, language=language, by=author, body=body, subject=subject
    )
    return approve_template(template, by=reviewer)


@pytest.mark.parametrize(
    "currency, language, expected",
    [
        ("CNY", "zh-hans", "3,622.60 元"),
        ("USD", "zh-hans", "3,622.60 美元"),
        ("CNY", "en", "CN¥3,622.60"),
        ("USD", "en", "$3,622.60"),
    ],
)
def test_an_amount_is_written_the_readers_way(currency, language, expected):
    assert amount_for(Decimal("3622.6"), currency, language) == expected


def test_a_chinese_text_carries_the_signature_and_the_amount_in_yuan(people, settings):
    settings.SMS_SIGNATURE = "【示例消费金融】"
    template = _approved(people, Channel.SMS, "zh-hans", "{borrower_name}您好，应还{amount}。")
    case = phone_case()
    _, body = render_template(template, case)
    total = case.account.outstanding_total
    assert body.startswith("【示例消费金融】") and body.count("【示例消费金融】") == 1
    assert f"应还{total:,.2f} 元。" in body and "CNY" not in body


def test_an_english_text_has_no_chinese_signature(people, settings):
    settings.SMS_SIGNATURE = "【示例消费金融】"
    template = _approved(people, Channel.SMS, "en", "Hello {borrower_name}, {amount} is due.")
    _, body = render_template(template, phone_case())
    assert "【" not in body and "CN¥" in body


def test_lender_and_instructions_follow_the_template_language(settings):
    settings.PAYMENT_INSTRUCTIONS = {"zh-hans": "请在App内还款。", "en": "Pay in the app."}
    assert in_language(settings.PAYMENT_INSTRUCTIONS, "en") == "Pay in the app."
    assert in_language(settings.PAYMENT_INSTRUCTIONS, "zh-hans") == "请在App内还款。"
    assert in_language({"zh-hans": "只有中文"}, "en") == "只有中文"  # the site default when none is set


def test_the_demo_emails_use_no_sms_conventions():
    from demo.seed.templates import DemoTemplates

    for _code, channel, _language, _subject, body, *_rest in DemoTemplates.TEMPLATES:
        if channel == Channel.EMAIL:
            assert "TD" not in body and "STOP" not in body and "{payment_instructions}" in body
