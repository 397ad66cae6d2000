"""A visit request's eligibility snapshot reads in the reader's language, whatever language
the request was made in: its checks keep rule, outcome and inputs, not sentences."""

from datetime import timedelta
import re

from django.template.loader import render_to_string
from django.utils import timezone, translation

from tests.factories import eligible_case, make_field_agent
from visits import services as visit_services

HAN = re.compile(r"[\u3400-\u9fff]")


def _request_in_chinese(collector):
    case = eligible_case(collector=collector)
    start = (timezone.localtime() + timedelta(days=3)).replace(hour=10, minute=0, second=0, microsecond=0)
    with translation.override("zh-hans"):
        return visit_services.request_visit(
            case,
            by=collector,
            reason="电话均已停机",
            window_start=start,
            window_end=start + timedelta(hours=2),
            address="上海市黄浦区人民路1号",
        )


def test_a_snapshot_taken_in_chinese_reads_in_english(db, collector):
    make_field_agent(badge="SH-001", username="agent1", last_name="Liu")
    visit = _request_in_chinese(collector)
    checks = visit.eligibility["checks"]
    assert {check["rule"] for check in checks} >= {"field_visit_dpd_reached", "region_covered"}
    with translation.override("en"):
        english = render_to_string("visits/_eligibility.html", {"snapshot": visit.eligibility})
    assert "95 days past due" in english and "covered by SH-001" in english
    assert not HAN.search(english), english
    with translation.override("zh-hans"):
        chinese = render_to_string("visits/_eligibility.html", {"snapshot": visit.eligibility})
    assert "逾期" in chinese and "days past due" not in chinese and "SH-001" in chinese


def test_a_check_this_code_cannot_word_shows_what_it_kept(db):
    snapshot = {"checks": [{"rule": "retired_rule", "passed": True, "explanation": "Held then."}]}
    with translation.override("en"):
        page = render_to_string("visits/_eligibility.html", {"snapshot": snapshot})
    assert "As recorded at the time: Held then." in page
