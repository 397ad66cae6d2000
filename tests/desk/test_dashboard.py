"""The dashboard page: who may read it, what it shows from the snapshots, in both
languages, and how many queries it costs."""

from datetime import datetime, time, timedelta
from decimal import Decimal
import re

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
import pytest

from desk import snapshots
from tests.clients import sign_in
from tests.clock import frozen
from tests.factories import create_case


def morning(day):
    return datetime.combine(day, time(1, 30), tzinfo=timezone.get_current_timezone())


@pytest.fixture
def snapshotted(db, collector):
    today = timezone.localdate()
    for dpd, owed in ((10, "1000"), (45, "2000"), (200, "4000")):
        create_case(dpd=dpd, outstanding=Decimal(owed), collector=collector)
    for offset in (2, 1, 0):
        with frozen(morning(today - timedelta(days=offset))):
            snapshots.take_snapshot()
    return today


@pytest.mark.parametrize("role", ["collector", "field_agent", "administrator"])
def test_only_supervisors_and_reviewers_read_it(db, client, request, role):
    sign_in(client, request.getfixturevalue(role))
    assert client.get(reverse("desk:dashboard")).status_code == 403


@pytest.mark.parametrize("role", ["supervisor", "reviewer"])
def test_the_page_shows_the_book_from_the_snapshots(client, request, role, snapshotted):
    sign_in(client, request.getfixturevalue(role))
    page = client.get(reverse("desk:dashboard"), {"period": "7"})
    assert page.status_code == 200
    board = page.context["board"]
    assert board.delinquent_accounts == 3
    html = page.content.decode()
    assert 'data-kpi="delinquent">3<' in html
    assert 'class="kpi-chart"' in html and "<svg" in html
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)  # no inline script (CSP)
    assert "How each figure is counted" in html


def test_chinese_reader_gets_a_chinese_page(client, supervisor, snapshotted):
    sign_in(client, supervisor)
    page = client.get(reverse("desk:dashboard"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    html = page.content.decode()
    assert "回收率" in html or "治愈率" in html
    assert "Roll rates" not in html and "Delinquent accounts" not in html


def test_a_period_that_cannot_be_read_says_so(client, supervisor, snapshotted):
    sign_in(client, supervisor)
    page = client.get(reverse("desk:dashboard"), {"period": "custom", "start": "2026-12-09", "end": "2026-12-01"})
    assert "the first not after the last" in page.content.decode()
    html = page.content.decode()
    assert 'name="start" value="2026-12-09"' in html and 'name="end" value="2026-12-01"' in html  # kept as typed
    no_such_day = client.get(
        reverse("desk:dashboard"), {"period": "custom", "start": "2026-02-30", "end": "2026-03-02"}
    )
    assert no_such_day.status_code == 200 and "the first not after the last" in no_such_day.content.decode()


def test_query_count_does_not_grow_with_the_book(client, supervisor, snapshotted, collector):
    sign_in(client, supervisor)
    url = reverse("desk:dashboard")
    client.get(url)
    with CaptureQueriesContext(connection) as first:
        client.get(url)
    for _ in range(5):
        create_case(dpd=70, collector=collector)
    with frozen(morning(snapshotted)):
        snapshots.take_snapshot()
    with CaptureQueriesContext(connection) as second:
        client.get(url)
    assert len(second) == len(first) <= 13, "\n".join(q["sql"][:100] for q in second.captured_queries)


def test_each_table_downloads_with_the_page_slice(client, supervisor, snapshotted):
    import csv
    import io

    from openpyxl import load_workbook

    sign_in(client, supervisor)
    url = reverse("desk:dashboard")
    page = client.get(url, {"period": "7"}).content.decode()
    assert "format=csv&amp;table=collectors" in page
    response = client.get(url, {"period": "7", "format": "csv", "table": "delinquency"})
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0][:2] == ["Days past due", "Accounts"]
    by_bucket = {row[0]: int(row[1]) for row in rows[1:]}
    assert by_bucket["1–30 days"] == 1 and by_bucket["31–60 days"] == 1 and by_bucket["181 days or more"] == 1
    workbook = client.get(url, {"format": "xlsx", "table": "roll_rates"})
    sheet = load_workbook(io.BytesIO(b"".join(workbook.streaming_content))).active
    assert sheet.cell(1, 1).value == "From" and sheet.max_row == 7  # header + current + five buckets
    assert client.get(url, {"format": "pdf", "table": "roll_rates"}).status_code == 400
    assert client.get(url, {"format": "csv", "table": "borrowers"}).status_code == 400


def test_a_team_slice_counts_only_its_collectors(client, supervisor, collector, other_collector):
    from cases.models import TeamMember

    TeamMember.objects.create(user=collector, supervisor=supervisor)
    today = timezone.localdate()
    create_case(dpd=10, collector=collector)
    create_case(dpd=10, collector=other_collector)
    create_case(dpd=50, collector=other_collector)
    with frozen(morning(today)):
        snapshots.take_snapshot()
    sign_in(client, supervisor)
    url = reverse("desk:dashboard")
    assert client.get(url, {"period": "7"}).context["board"].delinquent_accounts == 3
    page = client.get(url, {"period": "7", "team": supervisor.pk})
    assert page.context["board"].delinquent_accounts == 1
    assert f'<option value="{supervisor.pk}" selected>' in page.content.decode()
