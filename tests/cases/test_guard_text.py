"""Guard results are kept as rule, outcome and inputs, and explained when read
(cases/guard_text.py): each rule named and explained in English and in Chinese, money the
reader's way, and an older record's sentence kept as evidence."""

from datetime import datetime
import re
from zoneinfo import ZoneInfo

from django.utils import translation
import pytest

from cases import guard_text, guards
from cases.guards import GuardResult
from policy.selectors import current_profile
from tests.factories import create_case

HAN = re.compile(r"[\u4e00-\u9fff]")
NOTICE_AT = datetime(2026, 11, 23, 6, 30, tzinfo=ZoneInfo("UTC"))  # 14:30 in Shanghai
DATA_WORDS = {"CN"}


def english_words(text: str) -> set[str]:
    return set(re.findall(r"[A-Za-z]{2,}", text)) - DATA_WORDS


RULES = {
    "reminder_dpd_reached": {"days_past_due": 3, "minimum": 1, "profile": "CN v1"},
    "phone_dpd_reached": {"days_past_due": 9, "minimum": 8, "profile": "CN v1"},
    "written_notice_dpd_reached": {"days_past_due": 31, "minimum": 30, "profile": "CN v1"},
    "field_visit_dpd_reached": {"days_past_due": 60, "minimum": 90, "profile": "CN v1", "waived_by_visit": 3},
    "legal_dpd_reached": {"days_past_due": 181, "minimum": 180, "profile": "CN v1"},
    "field_visit_balance_reached": {"outstanding": "5000.00", "minimum": "3000", "currency": "CNY", "profile": "CN v1"},
    "has_failed_remote_contact": {
        "failed_attempts": 6,
        "channels": 2,
        "all_contact_points_invalid": False,
        "window_days": 30,
        "min_attempts": 6,
        "min_channels": 2,
        "profile": "CN v1",
    },
    "written_notice_sent": {"written_notice_sent_at": NOTICE_AT.isoformat()},
    "notice_lead_time_elapsed": {"days_since_notice": 8, "minimum": 7, "profile": "CN v1"},
    "has_approved_field_visit": {"approved_field_visit": True},
    "has_running_arrangement": {"running_arrangement": True},
    "no_running_arrangement": {"running_arrangement": False},
    "has_active_hold": {"active_hold": False},
    "no_active_hold": {"active_holds": ["dispute", "hardship"]},
    "balance_cleared": {"outstanding": "0.00", "currency": "CNY"},
    "forbearance_assessed": {"required": True, "assessed_on": "2026-11-01", "window_days": 90, "profile": "CN v1"},
    "not_time_barred": {"limitation_date": "2029-10-01", "profile": "CN v1"},
}


def test_every_guard_rule_has_a_label_and_an_explainer():
    assert set(RULES) == set(guard_text.RULE_LABELS) == set(guard_text.EXPLAINERS)


@pytest.mark.parametrize("rule", list(RULES))
def test_each_rule_reads_in_english_and_in_chinese(rule):
    record = {"rule": rule, "passed": True, "inputs": RULES[rule]}
    with translation.override("en"):
        (english,) = guard_text.rule_lines(record)
    with translation.override("zh-hans"):
        (chinese,) = guard_text.rule_lines(record)
    assert rule not in english and not HAN.search(english) and "%(" not in english
    assert rule not in chinese and HAN.search(chinese) and english_words(chinese) == set(), chinese


def test_an_old_rule_record_keeps_its_sentence_as_evidence():
    old = {
        "rule": "reminder_dpd_reached",
        "passed": True,
        "explanation": "逾期 3 天；短信/邮件提醒至少需要逾期 1 天（CN v1）。",
        "inputs": {"days_past_due": 3, "minimum": 1, "profile": "CN v1"},
    }
    with translation.override("en"):
        lines = guard_text.rule_lines(old, evidence=True)
        unknown = guard_text.rule_lines({"rule": "region_covered", "passed": False, "explanation": "No agent."})
    assert lines == [
        "✓ Days past due for reminders: 3 days past due; reminders needs at least 1 (CN v1).",
        "As recorded at the time: 逾期 3 天；短信/邮件提醒至少需要逾期 1 天（CN v1）。",
    ]
    assert unknown == ["✗ region covered: As recorded at the time: No agent."]


def test_balance_without_a_recorded_currency_uses_the_accounts():
    record = {"rule": "balance_cleared", "passed": True, "inputs": {"outstanding": "0"}}
    with translation.override("en"):
        assert guard_text.rule_lines(record, currency="USD") == ["✓ Balance cleared: Outstanding $0.00."]
        assert guard_text.rule_lines(record) == ["✓ Balance cleared: Outstanding 0.00."]


def test_the_live_explanation_follows_the_current_language(db):
    case = create_case(dpd=0)
    result = guards.reminder_dpd_reached.evaluate(case)
    assert isinstance(result, GuardResult) and not result.passed
    assert result.record() == {"rule": "reminder_dpd_reached", "passed": False, "inputs": result.inputs}
    with translation.override("en"):
        assert result.explanation == f"0 days past due; reminders needs at least 1 ({current_profile('CN').label})."
    with translation.override("zh-hans"):
        assert result.explanation.startswith("逾期 0 天")
