"""History reasons the services write read in the reader's language; typed ones as written."""

from decimal import Decimal

from django.urls import reverse
from django.utils import timezone, translation
import pytest

from cases.services import escalate, record_payment
from core.change_reasons import is_known, read_change_reason
from tests.clients import sign_in
from tests.factories import create_case, make_user


@pytest.mark.parametrize(
    ("stored", "english", "chinese"),
    [
        ("plan agreed", "repayment plan agreed", "已商定还款计划"),
        ("dispute hold placed", "Dispute hold placed", "争议暂停已设置"),
        ("nightly: case opened", "opened by the nightly cycle", "夜间批处理入催"),
        ("delivery receipt: delivered", "delivery receipt: Delivered", "送达回执：已送达"),
        ("reviewed: concern", "reviewed: Concern", "已复核：存疑"),
        ("new version 3", "new version 3", "新版本 3"),
        ("notice sent by sms", "notice sent by SMS", "已通过短信发送通知"),
    ],
)
def test_a_stored_reason_reads_in_each_language(stored, english, chinese):
    assert is_known(stored)
    with translation.override("en"):
        assert read_change_reason(stored) == english
    with translation.override("zh-hans"):
        assert read_change_reason(stored) == chinese


def test_a_reason_a_person_typed_is_shown_as_written():
    typed = "借款人要求改期 — borrower asked to move the visit"
    assert not is_known(typed)
    with translation.override("en"):
        assert read_change_reason(typed) == typed


def test_the_history_page_shows_the_reason_in_the_readers_language(db, client):
    case = create_case(dpd=40)
    supervisor = make_user("Supervisor")
    record_payment(case.account, Decimal("10.00"), timezone.now(), "PAY-7", by=supervisor)
    sign_in(client, supervisor)
    page = client.get(
        reverse("admin:cases_loanaccount_history", args=[case.account.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()
    assert "还款 PAY-7" in page and "payment PAY-7" not in page


def test_history_shows_states_by_their_labels_not_their_codes(db, client):
    case = create_case(dpd=40)
    supervisor = make_user("Supervisor")
    escalate(case, by=supervisor, reason="电话无人接听")
    sign_in(client, supervisor)
    page = client.get(
        reverse("admin:cases_collectioncase_history", args=[case.pk]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "New &nbsp;&rarr;&nbsp;&nbsp;Reminders" in " ".join(page.split()), "states by their labels"
    assert "new → reminder" not in page
