"""Contact intensity: per-day bars drawn on the server as SVG, caps as lines, refused and
off-hours attempts in their own colours."""

from datetime import datetime, time, timedelta
import re

from django.urls import reverse
from django.utils import timezone

from audit.models import AccessLog
from compliance.intensity import stacked_bar_chart
from policy.codes import Channel
from tests.clients import client_for
from tests.factories import create_case, make_attempt


def _today_at(hour, days_ago=0):
    day = timezone.localdate() - timedelta(days=days_ago)
    return timezone.make_aware(datetime.combine(day, time(hour)))


def test_a_cap_line_sits_where_a_bar_of_that_height_ends():
    chart = stacked_bar_chart(
        "t", "d", [("a", [(2, "x"), (1, "y")], "a"), ("b", [(0, "x")], "b")], [("cap", 3, "cap-daily")], []
    )
    top_segment = chart.bars[0].segments[-1]
    assert chart.caps[0].y == top_segment.y  # 2 + 1 reaches exactly the cap of 3
    assert chart.caps[0].y > chart.top and chart.bars[1].segments == []
    assert chart.caps[0].label == "cap: 3" and not chart.empty


def test_case_chart_draws_caps_and_highlights_refused_and_off_hours(db, reviewer, collector):
    case = create_case(collector=collector)  # CN: 3 connected calls a day, 10 attempts a week
    make_attempt(case, _today_at(10, 2), agent=collector)
    make_attempt(case, _today_at(11, 2), agent=collector, channel=Channel.SMS)
    make_attempt(case, _today_at(12, 2), agent=collector, allowed=False, reasons=["daily_cap"])
    make_attempt(case, _today_at(23, 1), agent=collector, allowed=False, reasons=["outside_hours"])

    response = client_for(reviewer).get(reverse("compliance:case_intensity", args=[case.pk]))
    page = response.content.decode()
    daily, rolling = re.findall(r'<svg class="intensity-chart".*?</svg>', page, re.S)
    assert len(re.findall(r'<rect class="seg-allowed"', daily)) == 1  # one day with made contacts
    assert len(re.findall(r'<rect class="seg-blocked"', daily)) == 1
    assert len(re.findall(r'<rect class="seg-off-hours"', daily)) == 1
    assert "connected calls per day: 3" in daily and "texts per day: 1" in daily
    assert "attempts per borrower in 7 days: 10" in rolling
    assert "<script" not in daily + rolling
    days = response.context["intensity"].days
    assert len(days) == 30 and (days[-3].allowed, days[-3].blocked, days[-2].off_hours) == (2, 1, 1)
    assert AccessLog.objects.filter(user=reviewer, where="contact intensity", case_id=case.pk).exists()


def test_agent_view_lists_the_cases_they_pushed(db, reviewer, collector):
    pushed, quiet = create_case(collector=collector), create_case(collector=collector)
    for hour in (9, 10, 11):
        make_attempt(pushed, _today_at(hour, 1), agent=collector, allowed=False, reasons=["weekly_cap"])
    make_attempt(pushed, _today_at(23, 1), agent=collector, allowed=False, reasons=["outside_hours"])
    make_attempt(quiet, _today_at(10, 1), agent=collector)

    response = client_for(reviewer).get(reverse("compliance:agent_intensity", args=[collector.pk]), {"days": 90})
    rows = response.context["intensity"].cases
    assert [(r["case_id"], r["attempts"], r["blocked"], r["off_hours"]) for r in rows] == [
        (pushed.pk, 4, 4, 1),
        (quiet.pk, 1, 0, 0),
    ]
    assert len(response.context["intensity"].days) == 90
    assert 'class="seg-blocked"' in response.content.decode()
