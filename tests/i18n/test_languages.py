"""The interface in Chinese and English: a complete catalogue, each person's own language,
money and dates the reader's way, and borrowers written to in their own language."""

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.template import Context, Template
from django.test import Client
from django.urls import reverse
from django.utils import formats, translation
import polib
import pytest

from cases.models import CaseState
from contacts import outbox
from contacts.models import OutboundMessage
from contacts.services import approve_template, save_template_version
from core.when import day_and_month, local_date, local_datetime
from policy.codes import Channel
from preferences.models import StaffProfile
from tests.factories import make_user, phone_case

try:  # signing in through the second factor, where the site asks for one
    from tests.clients import sign_in
except ImportError:  # pragma: no cover

    def sign_in(client, user):
        client.force_login(user)


CATALOGUE = Path(settings.BASE_DIR, "locale", "zh_Hans", "LC_MESSAGES", "django.po")


# --- the catalogue ----------------------------------------------------------------------


def test_every_message_has_a_chinese_translation_and_none_is_fuzzy():
    po = polib.pofile(str(CATALOGUE))
    untranslated = [e.msgid for e in po if not (e.msgstr or all(e.msgstr_plural.values()) and e.msgstr_plural)]
    fuzzy = [e.msgid for e in po if "fuzzy" in e.flags]
    assert len(po) > 500
    assert untranslated == [] and fuzzy == []


def test_no_obsolete_entries_hide_in_the_catalogue():
    """makemessages comments out msgids the code no longer uses (#~); a translation kept
    there looks complete while the live msgid it should have moved to is missing."""
    po = polib.pofile(str(CATALOGUE))
    assert po.obsolete_entries() == []
    assert "#~" not in CATALOGUE.read_text(encoding="utf-8")


def test_placeholders_survive_translation():
    po = polib.pofile(str(CATALOGUE))
    for entry in po.translated_entries():
        with translation.override("zh-hans"):
            if "python-format" in entry.flags and not entry.msgid_plural:
                names = set(__import__("re").findall(r"%\((\w+)\)", entry.msgid))
                assert entry.msgstr % {n: "x" for n in names}


# --- each person's language ---------------------------------------------------------------


def signed_in(user, language=None):
    if language:
        StaffProfile.objects.create(user=user, language=language)
    client = Client()
    sign_in(client, user)
    return client


@pytest.mark.parametrize(
    "language, index_text, queue_text",
    [
        ("zh-hans", "依法合规处理逾期账户", "现在可致电"),
        ("en", "Work overdue accounts lawfully", "Phone now"),
    ],
)
def test_saved_preference_decides_the_language(db, language, index_text, queue_text):
    collector = make_user("Collector")
    client = signed_in(collector, language)
    index = client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="en" if language == "zh-hans" else "zh-hans")
    assert index.status_code == 200 and index_text in index.content.decode()
    assert 'id="language-switch"' in index.content.decode()
    # The queue's first tab, sent without a browser language: the saved one decides.
    queue = client.get(reverse("desk:queue"))
    assert queue.status_code == 200 and queue_text in queue.content.decode()


def test_the_admin_sections_are_named_in_the_readers_language(db):
    # The sections are listed to the roles that administer the tables (a supervisor)...
    client = signed_in(make_user("Supervisor"), "zh-hans")
    page = client.get(reverse("admin:index")).content.decode()
    for section in ("案件", "联系", "联系规则", "外访"):
        assert f">{section}<" in page, section
    assert "Contacts and policy" not in page
    # ...a collector's home shows their counts instead, in their language too.
    home = signed_in(make_user("Collector"), "zh-hans").get(reverse("admin:index")).content.decode()
    assert "到期回电" in home and "我的工作队列" in home
    assert "Callbacks due" not in home and "My work queue" not in home


def test_without_a_preference_the_browser_decides(db):
    client = signed_in(make_user("Collector"))
    page = client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")
    assert "依法合规处理逾期账户" in page.content.decode()


def test_switching_language_saves_the_preference(db):
    collector = make_user("Collector")
    client = signed_in(collector, "zh-hans")
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("desk:queue")})
    assert response.status_code == 302 and response.url == reverse("desk:queue")
    assert StaffProfile.objects.get(user=collector).language == "en"
    assert "Phone now" in client.get(reverse("desk:queue")).content.decode()
    # the choice follows the person to another browser
    elsewhere = signed_in(collector)
    assert "Phone now" in elsewhere.get(reverse("desk:queue"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()


def test_an_unknown_language_is_not_saved(db):
    collector = make_user("Collector")
    client = signed_in(collector)
    client.post(reverse("set_language"), {"language": "xx", "next": "/"})
    assert not StaffProfile.objects.filter(user=collector).exists()


def test_refusal_explanations_follow_the_readers_language(db):
    case = phone_case(dpd=3, rung=CaseState.REMINDER)
    from contacts.services import check_contact

    with translation.override("zh-hans"):
        chinese = check_contact(case, Channel.PHONE_CALL).explain()
    with translation.override("en"):
        english = check_contact(case, Channel.PHONE_CALL).explain()
    assert "阶段" in chinese and "rung" in english


# --- money and dates ------------------------------------------------------------------------

MONEY = Template("{% load money %}{{ amount|money:currency }}")


@pytest.mark.parametrize(
    "language, currency, expected",
    [
        ("zh-hans", "CNY", "¥1,234.50"),
        ("en", "CNY", "CN¥1,234.50"),
        ("en", "USD", "$1,234.50"),
        ("zh-hans", "USD", "US$1,234.50"),
    ],
)
def test_money_is_written_the_readers_way(language, currency, expected):
    with translation.override(language):
        assert MONEY.render(Context({"amount": Decimal("1234.5"), "currency": currency})) == expected


def test_dates_follow_the_locale_in_one_style_each():
    day = date(2026, 11, 23)
    moment = datetime(2026, 11, 23, 9, 5, tzinfo=ZoneInfo("Asia/Shanghai"))
    with translation.override("zh-hans"):
        assert formats.date_format(day) == local_date(day) == "2026年11月23日"
        assert local_datetime(moment, ZoneInfo("Asia/Shanghai"), show_zone=True) == "2026年11月23日 09:05 CST"
    with translation.override("en"):
        assert formats.date_format(day) == local_date(day) == "23 Nov 2026"
        assert local_datetime(moment, ZoneInfo("Asia/Shanghai")) == "23 Nov 2026 09:05"
        assert day_and_month(day) == "23 Nov"


# --- borrowers in their own language ----------------------------------------------------------


@pytest.fixture
def reminder_templates(db, settings, tmp_path):
    settings.OUTBOX_DIR = tmp_path / "outbox"
    author, reviewer = make_user("Administrator"), make_user("Compliance reviewer")
    for code, language, body in [
        ("sms-reminder", "zh-hans", "{borrower_name}您好，贷款{loan_number}已逾期{days_past_due}天。"),
        ("sms-reminder-en", "en", "Dear {borrower_name}, loan {loan_number} is {days_past_due} days overdue."),
    ]:
        approve_template(
            save_template_version(code=code, channel=Channel.SMS, language=language, by=author, body=body), by=reviewer
        )


def test_each_borrower_gets_the_reminder_in_their_language(db, reminder_templates):
    chinese = phone_case(dpd=3, rung=CaseState.REMINDER)
    english = phone_case(dpd=3, rung=CaseState.REMINDER)
    english.account.borrower.language = "en"
    english.account.borrower.save()
    assert outbox.plan_reminders()["planned"] == 2
    assert OutboundMessage.objects.get(case=chinese).template.language == "zh-hans"
    assert OutboundMessage.objects.get(case=english).template.code == "sms-reminder-en"
    assert "days overdue" in OutboundMessage.objects.get(case=english).template.body


# --- sign-in security ---------------------------------------------------------------------------


def test_the_two_factor_page_speaks_the_persons_language(db):
    """A supervisor who has passed the password step but not yet the code, and prefers
    Chinese, is asked for the code in Chinese, and told so in Chinese when it is wrong."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    supervisor = make_user("Supervisor")
    TOTPDevice.objects.create(user=supervisor, name="phone", confirmed=True)
    StaffProfile.objects.create(user=supervisor, language="zh-hans")
    client = Client()
    client.force_login(supervisor)  # the password step only: no verified device in the session

    work = client.get(reverse("desk:queue"), HTTP_ACCEPT_LANGUAGE="en")
    assert work.status_code == 302 and work["Location"].startswith(reverse("accounts:verify"))
    page = client.get(work["Location"], HTTP_ACCEPT_LANGUAGE="en")
    text = page.content.decode()
    assert page.status_code == 200 and 'name="token"' in text
    assert "两步验证登录" in text and "身份验证器应用中的验证码" in text
    assert f"已以 {supervisor.username} 身份登录" in text
    assert "Two-factor sign-in" not in text and "authenticator app" not in text

    wrong = client.post(
        reverse("accounts:verify"),
        {"token": "000000", "next": reverse("desk:queue")},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert wrong.status_code == 200 and "验证码不正确" in wrong.content.decode()
