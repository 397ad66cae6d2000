"""The collectors' workload: open cases per days-past-due bucket and balance per currency,
against a hand-computed book, in two queries, for supervisors (their team or everyone) and
reviewers, in both languages."""

from decimal import Decimal

from django.urls import reverse
import pytest

from cases.models import CaseState, CollectionCase, TeamMember
from desk.workload import ALL, TEAM, totals, workload_rows
from preferences.models import StaffProfile
from tests.clients import client_for
from tests.factories import create_case, make_user


def in_team(username, supervisor):
    user = make_user("Collector", username=username)
    TeamMember.objects.create(user=user, supervisor=supervisor)
    return user


@pytest.fixture
def book(db, supervisor):
    """Amy and Bo lead by the supervisor, Xu in another team, and an unassigned case:

    amy: DPD 10 ¥1,000 and DPD 30 ¥500 (1–30), DPD 31 ¥200 (31–60), DPD 200 US$300 (181+),
         and a resolved case (not counted);
    bo:  DPD 0 ¥100 (not overdue), DPD 90 ¥50 (61–90), DPD 95 ¥10,000 (91–180);
    xu:  DPD 5 ¥700; nobody: DPD 61 ¥300."""
    amy, bo = in_team("amy", supervisor), in_team("bo", supervisor)
    xu = in_team("xu", make_user("Supervisor"))
    for dpd, amount, currency, who in [
        (10, "1000", "CNY", amy),
        (30, "500", "CNY", amy),
        (31, "200", "CNY", amy),
        (200, "300", "USD", amy),
        (0, "100", "CNY", bo),
        (90, "50", "CNY", bo),
        (95, "10000", "CNY", bo),
        (5, "700", "CNY", xu),
        (61, "300", "CNY", None),
    ]:
        create_case(dpd=dpd, outstanding=Decimal(amount), currency=currency, collector=who)
    resolved = create_case(dpd=45, outstanding=Decimal("999"), collector=amy)
    CollectionCase.objects.filter(pk=resolved.pk).update(state=CaseState.RESOLVED)
    return {"amy": amy, "bo": bo, "xu": xu}


def cells(row) -> dict:
    """{bucket: (count, {currency: amount})} of the buckets with cases."""
    return {key: (cell["count"], cell["balances"]) for key, cell in row["buckets"].items() if cell["count"]}


def test_the_team_table_against_the_hand_computed_book(book, supervisor, django_assert_num_queries):
    with django_assert_num_queries(2):
        rows = workload_rows(supervisor, scope=TEAM)
    assert [row["username"] for row in rows] == ["amy", "bo"]
    amy, bo = rows
    assert cells(amy) == {
        "1-30": (2, {"CNY": Decimal("1500")}),
        "31-60": (1, {"CNY": Decimal("200")}),
        "181+": (1, {"USD": Decimal("300")}),
    }
    assert amy["total"] == {"count": 4, "balances": {"CNY": Decimal("1700"), "USD": Decimal("300")}}
    assert cells(bo) == {
        "current": (1, {"CNY": Decimal("100")}),
        "61-90": (1, {"CNY": Decimal("50")}),
        "91-180": (1, {"CNY": Decimal("10000")}),
    }
    assert bo["total"] == {"count": 3, "balances": {"CNY": Decimal("10150")}}
    assert amy["supervisor"] == supervisor.username
    summed = totals(rows)
    assert summed["total"] == {"count": 7, "balances": {"CNY": Decimal("11850"), "USD": Decimal("300")}}
    assert summed["buckets"]["1-30"] == {"count": 2, "balances": {"CNY": Decimal("1500")}}


def test_everyone_with_the_unassigned_cases_last(book, reviewer, django_assert_num_queries):
    idle = make_user("Collector", username="zed")  # no case, no team: still listed
    with django_assert_num_queries(2):
        rows = workload_rows(reviewer, scope=ALL)
    assert [row["username"] for row in rows] == ["amy", "bo", "xu", "zed", ""]
    assert cells(rows[2]) == {"1-30": (1, {"CNY": Decimal("700")})}
    assert rows[3]["total"]["count"] == 0 and rows[3]["collector_id"] == idle.pk
    nobody = rows[-1]
    assert nobody["collector_id"] is None and cells(nobody) == {"61-90": (1, {"CNY": Decimal("300")})}
    assert totals(rows)["total"]["count"] == 9


def test_the_page_for_a_supervisor_links_to_the_list_to_reassign(book, supervisor):
    client = client_for(supervisor)
    page = client.get(reverse("desk:workload"))
    assert page.status_code == 200 and page.context["scope"] == TEAM
    html = page.content.decode()
    assert 'data-collector="amy"' in html and 'data-collector="xu"' not in html
    assert "CN¥1,500.00" in html and "$300.00" in html and "CN¥10,150.00" in html
    assert reverse("compliance:agent_intensity", args=[book["amy"].pk]) in html
    # The collector's link opens the case list on their open cases, where the bulk action reassigns them.
    amy = page.context["rows"][0]
    listing = client.get(amy["case_list_url"])
    assert listing.status_code == 200 and listing.context["cl"].result_count == 4
    everyone = client.get(reverse("desk:workload"), {"scope": "all"}).content.decode()
    assert 'data-collector="xu"' in everyone
    # Xu is not in this supervisor's team: no link to Xu's charts.
    assert reverse("compliance:agent_intensity", args=[book["xu"].pk]) not in everyone


def test_the_page_in_chinese(book, supervisor):
    StaffProfile.objects.create(user=supervisor, language="zh-hans")
    html = client_for(supervisor).get(reverse("desk:workload")).content.decode()
    assert "工作量" in html and "未逾期" in html and "¥1,500.00" in html
    assert "Not overdue" not in html and "Workload" not in html


def test_a_reviewer_sees_everyone_and_the_others_are_refused(book, reviewer, collector, administrator):
    client = client_for(reviewer)
    page = client.get(reverse("desk:workload"))
    assert page.status_code == 200 and page.context["scope"] == ALL
    assert 'data-collector="xu"' in page.content.decode()
    nobody = page.context["rows"][-1]
    assert client.get(nobody["case_list_url"]).context["cl"].result_count == 1
    for user in (collector, administrator, make_user("Field agent")):
        assert client_for(user).get(reverse("desk:workload")).status_code == 403


def test_the_table_downloads_as_the_page_shows_it(book, supervisor):
    import csv
    import io

    from openpyxl import load_workbook

    client = client_for(supervisor)
    url = reverse("desk:workload")
    page = client.get(url)
    body = b"".join(client.get(url, {"format": "csv"}).streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0][:3] == ["Collector", "Supervisor", "Currency"]
    shown = {row["name"]: row["total"]["count"] for row in page.context["rows"]}
    counted = {}
    for line in rows[1:]:
        if line[-2]:
            counted[line[0]] = int(line[-2])
    assert counted == shown and sum(counted.values()) > 0
    sheet = load_workbook(io.BytesIO(b"".join(client.get(url, {"format": "xlsx"}).streaming_content))).active
    assert sheet.cell(1, 1).value == "Collector" and sheet.max_row == len(rows)
    assert client.get(url, {"format": "doc"}).status_code == 400
