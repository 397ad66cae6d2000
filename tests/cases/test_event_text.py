"""Case events keep a code and its parameters and are written in the reader's language when
read (cases/event_text.py, cases/guard_text.py): every code in English and in Chinese,
money and dates the reader's way, whatever language was active when the event was written,
and what a person typed shown as typed."""

from datetime import datetime
from decimal import Decimal
import re
from zoneinfo import ZoneInfo

from django.urls import reverse
from django.utils import timezone, translation
import pytest

from cases import event_text
from cases import services as case_services
from cases.event_text import EventCode, describe, summary
from cases.models import CaseEvent, CaseState, CollectionCase, Hold
from cases.selectors import case_timeline
from policy.selectors import current_profile
from tests.clients import client_for
from tests.factories import climb_to, create_case

HAN = re.compile(r"[\u4e00-\u9fff]")
NOTICE_AT = datetime(2026, 11, 23, 6, 30, tzinfo=ZoneInfo("UTC"))  # 14:30 in Shanghai

# One event of every code: its parameters as the services store them.
EVENTS = {
    EventCode.OPENED: {"days_past_due": 28},
    EventCode.OPENED_BY_NIGHTLY_CYCLE: {},
    EventCode.OPENED_BY_FEED: {},
    EventCode.ASSIGNED: {"previous": "", "collector": "wang"},
    EventCode.ALLOCATED_BY_RULE: {"collector": "wang", "language": "zh-hans", "region": "", "profile": "CN", "load": 3},
    EventCode.NOTICE_SENT: {"sent_at": NOTICE_AT.isoformat()},
    EventCode.PAYMENT: {"amount": "400.00", "currency": "CNY", "reference": "PAY-7", "outstanding": "1234.50"},
    EventCode.PROMISE_RECORDED: {"amount": "1000", "currency": "CNY", "due_date": "2026-12-01", "visit": 3},
    EventCode.PLAN_AGREED: {"count": 4, "total": "2000.00", "currency": "CNY"},
    EventCode.PLAN_PROPOSED: {
        "count": 12,
        "total": "6000.00",
        "currency": "CNY",
        "beyond_policy": [
            {"code": "too_many_installments", "params": {"count": 12, "limit": 6}},
            {
                "code": "installment_below_minimum",
                "params": {"sequence": 12, "amount": "100.00", "minimum": "300.00", "currency": "CNY"},
            },
            {"code": "first_due_too_late", "params": {"first_due": "2026-12-31", "limit_days": 30}},
        ],
    },
    EventCode.PLAN_APPROVED: {"plan": 9},
    EventCode.PLAN_REJECTED: {"plan": 9},
    EventCode.ARRANGEMENT_BROKEN: {},
    EventCode.HOLD_PLACED: {"kind": "dispute"},
    EventCode.HOLD_RELEASED: {"kind": "hardship"},
    EventCode.HOLD_EXPIRED: {"kind": "breathing_space"},
    EventCode.ESCALATED_BY_NIGHTLY_CYCLE: {},
    EventCode.RESOLVED_BY_NIGHTLY_CYCLE: {},
    EventCode.RELEASED_HOLD_EXPIRED: {},
    EventCode.AFTER_PROMISE: {"username": "wang"},
    EventCode.AFTER_PLAN_AGREED: {"username": "wang"},
    EventCode.AFTER_PLAN_APPROVED: {"username": "wang"},
    EventCode.AFTER_HOLD_PLACED: {"kind": "cease_communication", "username": ""},
    EventCode.AFTER_HOLD_RELEASED: {"kind": "deceased", "username": "wang"},
    EventCode.PAID_IN_FULL: {"reference": "PAY-7"},
    EventCode.ARRANGEMENT_FULFILLED: {"reference": "PAY-7"},
    EventCode.AFTER_VISIT_APPROVED: {"visit": 3, "username": "wang"},
    EventCode.VISIT_REQUESTED: {"visit": 3},
    EventCode.VISIT_REQUESTED_AS_EXCEPTION: {"visit": 3},
    EventCode.VISIT_APPROVED: {"visit": 3},
    EventCode.VISIT_REJECTED: {"visit": 3},
    EventCode.VISIT_NOTICE_QUEUED: {"visit": 3, "channels": "sms letter"},
    EventCode.VISIT_NOTIFIED: {"visit": 3, "channel": "sms"},
    EventCode.VISIT_CHECKED_IN: {"visit": 3},
    EventCode.VISIT_COMPLETED: {"visit": 3},
    EventCode.VISIT_CHECKED_IN_FAR: {"visit": 3, "distance_m": 1320, "limit_m": 500},
    EventCode.VISIT_REPORTED: {"visit": 3, "visit_outcome": "not_at_home"},
    EventCode.VISIT_ABORTED: {"visit": 3},
    EventCode.VISIT_CANCELLED: {"visit": 3},
    EventCode.VISIT_NOTICE_TOO_LATE: {"visit": 3},
    EventCode.VISIT_CASE_STOPPED: {"visit": 3, "state": "resolved"},
    EventCode.FORBEARANCE_ASSESSED: {
        "options": ["payment_holiday", "repayment_plan"],
        "answer": "accepted",
        "accepted_option": "repayment_plan",
        "debt_advice": True,
    },
    EventCode.DEBT_ACKNOWLEDGED: {"on": "2026-11-20"},
    EventCode.DEFAULT_CHARGE_POSTED: {"amount": "25.00", "currency": "CNY", "fees": "25.00"},
    EventCode.CALLBACK_SCHEDULED: {"due_at": "2026-11-24T10:00:00-05:00", "zone": "America/New_York"},
}
# What may stay in Latin letters in a Chinese sentence: the data itself (a zone's
# abbreviation too: the borrower's time is shown with its zone named).
DATA_WORDS = {"wang", "PAY", "CN", "EST"}


def english_words(text: str) -> set[str]:
    return set(re.findall(r"[A-Za-z]{2,}", text)) - DATA_WORDS


def event(code="", params=None, reason="", **fields) -> CaseEvent:
    """An unsaved event: describe() reads its fields only."""
    return CaseEvent(code=code, params=params or {}, reason=reason, **fields)


def test_every_code_has_a_sentence_and_an_example_here():
    assert set(event_text.SENTENCES) == set(EventCode) == set(EVENTS)


@pytest.mark.parametrize("code", list(EventCode))
def test_each_code_reads_in_english(code):
    with translation.override("en"):
        text = describe(event(code, EVENTS[code]))
    assert text and not HAN.search(text) and "%(" not in text and "_" not in text


@pytest.mark.parametrize("code", list(EventCode))
def test_each_code_reads_in_chinese(code):
    with translation.override("zh-hans"):
        text = describe(event(code, EVENTS[code]))
    assert HAN.search(text) and "%(" not in text
    assert english_words(text) == set(), text


def test_money_dates_states_and_people_are_written_the_readers_way():
    payment = event(EventCode.PAYMENT, EVENTS[EventCode.PAYMENT])
    promise = event(EventCode.PROMISE_RECORDED, EVENTS[EventCode.PROMISE_RECORDED])
    notice = event(EventCode.NOTICE_SENT, EVENTS[EventCode.NOTICE_SENT])
    with translation.override("en"):
        assert describe(payment) == "Payment of CN¥400.00 (reference PAY-7); CN¥1,234.50 outstanding now."
        assert describe(promise) == "Promise to pay CN¥1,000.00 by 1 Dec 2026. Agreed on field visit 3."
        assert describe(notice) == "Written notice sent (23 Nov 2026 14:30)."
        assert describe(event(EventCode.ASSIGNED, EVENTS[EventCode.ASSIGNED])) == "Assigned from nobody to wang."
        stopped = event(EventCode.VISIT_CASE_STOPPED, {"visit": 3, "state": "written_off"})
        assert describe(stopped) == "Field visit 3 called off: the case is written off."
        held = event(EventCode.AFTER_HOLD_PLACED, EVENTS[EventCode.AFTER_HOLD_PLACED])
        assert describe(held) == "Hold placed by system: Cease-communication request."
    with translation.override("zh-hans"):
        assert "¥400.00" in describe(payment) and "¥1,234.50" in describe(payment)
        assert "2026年12月1日" in describe(promise)
        assert "2026年11月23日 14:30" in describe(notice)
    for text in (describe(notice), describe(promise)):
        assert "T06" not in text and "2026-1" not in text  # no ISO, no microseconds


def test_an_event_written_in_chinese_reads_in_english_for_an_english_reader(db, supervisor):
    case = create_case(dpd=40)
    with translation.override("zh-hans"):
        climb_to(case, CaseState.PHONE, by=supervisor)
        case_services.place_hold(
            CollectionCase.objects.get(pk=case.pk), Hold.Kind.DISPUTE, by=supervisor, note="借款人对滞纳金有异议"
        )
        case_services.record_payment(case.account, Decimal("400.00"), timezone.now(), "PAY-ZH-1")
    events = list(CollectionCase.objects.get(pk=case.pk).events.all())
    with translation.override("en"):
        said = [describe(e) for e in events]
        rules = [line for e in events for line in event_text.checked_rules(e)]
    assert "Case opened: 40 days past due." in said
    assert "Hold placed: Dispute. 借款人对滞纳金有异议" in said  # the note as typed
    assert "Payment of CN¥400.00 (reference PAY-ZH-1); CN¥4,600.00 outstanding now." in said
    assert "Hold placed by " + supervisor.username + ": Dispute." in said
    assert (
        f"✓ Days past due for reminders: 40 days past due; reminders needs at least 1 ({current_profile('CN').label})."
        in rules
    )
    assert not any(HAN.search(line) for line in rules)
    assert not any(HAN.search(text) for text in said if "借款人" not in text)
    with translation.override("zh-hans"):
        chinese = [describe(e) for e in events]
    assert "已停催：争议。借款人对滞纳金有异议" in chinese


def test_a_typed_reason_is_shown_as_written_in_any_language(db, supervisor):
    case = climb_to(create_case(dpd=40), CaseState.WRITTEN_NOTICE, by=supervisor)
    case_services.apply_transition(case, "write_off", by=supervisor, reason="借款人已故，遗产无资产。")
    written_off = case.events.get(to_state=CaseState.WRITTEN_OFF)
    assert (written_off.code, written_off.reason) == ("", "借款人已故，遗产无资产。")
    with translation.override("en"):
        assert describe(written_off) == "借款人已故，遗产无资产。"
        assert summary(written_off) == "Written notice → Written off. 借款人已故，遗产无资产。"
    with translation.override("zh-hans"):
        assert describe(written_off) == "借款人已故，遗产无资产。"


def test_no_code_or_an_unknown_one_shows_the_old_text():
    assert describe(event("", reason="10 days past due")) == "10 days past due"
    assert describe(event("retired_code", {"x": 1}, reason="as it was")) == "as it was"
    # parameters the sentence cannot read: the old text too, never a half sentence
    assert describe(event(EventCode.PAYMENT, {"amount": "1"}, reason="old")) == "old"


def test_a_code_read_off_an_old_sentence_shows_its_typed_part_only():
    old = event(EventCode.HOLD_PLACED, {"kind": "dispute", "note": "fees"}, reason="Dispute: fees")
    with translation.override("en"):
        assert describe(old) == "Hold placed: Dispute. fees"
        assert event_text.kept_sentence(old) == "Dispute: fees"
    assert event_text.kept_sentence(event(EventCode.HOLD_PLACED, {"kind": "dispute"}, reason="fees")) == ""


def test_the_timeline_names_states_and_says_why_in_the_readers_language(db, supervisor):
    case = create_case(dpd=10)
    case_services.escalate(case, by=supervisor)
    with translation.override("en"):
        english = [entry.summary for entry in case_timeline(case)]
    with translation.override("zh-hans"):
        chinese = [entry.summary for entry in case_timeline(case)]
    assert english == ["Case opened: 10 days past due.", "New → Reminders"]
    assert chinese[0] == "入催：逾期 10 天。" and " reminder" not in chinese[1] and "→" in chinese[1]
    assert not any(english_words(text) for text in chinese)


def test_a_written_notice_date_is_the_readers_local_style(db, supervisor):
    case = climb_to(create_case(dpd=40), CaseState.WRITTEN_NOTICE, by=supervisor)
    case_services.record_written_notice(case, sent_at=NOTICE_AT, by=supervisor)
    notice = case.events.get(kind=CaseEvent.Kind.NOTICE)
    assert notice.params == {"sent_at": "2026-11-23T06:30:00+00:00"}
    with translation.override("en"):
        assert describe(notice) == "Written notice sent (23 Nov 2026 14:30)."


def test_the_event_admin_shows_what_happened_not_the_stored_codes(db, supervisor):
    case = create_case(dpd=10)
    case_services.escalate(case, by=supervisor)
    escalated = case.events.get(kind=CaseEvent.Kind.TRANSITION)
    client = client_for(supervisor)
    listing = client.get(reverse("admin:cases_caseevent_changelist"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Case opened: 10 days past due." in listing
    page = client.get(reverse("admin:cases_caseevent_change", args=[escalated.pk])).content.decode()
    assert (
        f"Days past due for reminders: 10 days past due; reminders needs at least 1 ({current_profile('CN').label})."
        in page
    )
    assert "reminder_dpd_reached" not in page
