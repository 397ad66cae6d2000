"""The case list's export (cases/admin/export.py): the list as shown — its filters,
search and order, within the user's own book — with personal data masked or shown in
full as the case page shows it, the full values on the access log, in bounded queries."""

import csv
from decimal import Decimal
import io
from zoneinfo import ZoneInfo

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook
import pytest

from audit.models import AccessLog
from cases import services
from cases.buckets import BUCKETS, bucket_code, bucket_for
from cases.models import CaseState, CollectionCase, LoanAccount
from core.masking import mask_national_id, mask_phone
from tests.clients import client_for
from tests.factories import climb_to, create_case

EXPORT = reverse("admin:cases_collectioncase_export")
CHANGELIST = reverse("admin:cases_collectioncase_changelist")


def export(user, query="", fmt="csv"):
    return client_for(user).get(f"{EXPORT}?format={fmt}{'&' + query if query else ''}")


def table(response):
    assert response.status_code == 200, response.getvalue()[:500]
    raw = response.getvalue()
    assert raw.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


def by_case(rows):
    header, *body = rows
    return {int(row[0]): dict(zip(header, row, strict=True)) for row in body}


@pytest.fixture
def book(db, collector, other_collector):
    """Three cases of the collector (one in USD), one of another collector."""
    mine = [
        create_case(dpd=10, outstanding=Decimal("5000.00"), collector=collector),
        create_case(dpd=45, outstanding=Decimal("12345.67"), collector=collector),
        create_case(dpd=200, outstanding=Decimal("800.10"), currency="USD", collector=collector),
    ]
    theirs = create_case(dpd=95, collector=other_collector)
    return mine, theirs


def test_the_csv_has_every_column_with_chinese_names_kept(book, supervisor):
    (first, second, third), theirs = book
    borrower = first.account.borrower
    borrower.full_name = "王小明"
    borrower.save()
    rows = table(export(supervisor))
    assert rows[0] == [
        "case ID",
        "loan number",
        "borrower",
        "phone",
        "national ID",
        "product",
        "currency",
        "outstanding",
        "days past due",
        "DPD bucket",
        "state",
        "ladder rung",
        "assigned collector",
        "opened on",
        "state changed at",
    ]
    cases = by_case(rows)
    assert set(cases) == {first.pk, second.pk, third.pk, theirs.pk}
    row = cases[first.pk]
    assert row["borrower"] == "王小明" and row["loan number"] == first.account.loan_number
    assert row["outstanding"] == "5000.00" and row["currency"] == "CNY" and row["days past due"] == "10"
    assert row["DPD bucket"] == "1–30 days" and cases[third.pk]["DPD bucket"] == "181 days or more"
    assert cases[third.pk]["outstanding"] == "800.10" and cases[third.pk]["currency"] == "USD"
    # Labels, never the raw codes; dates as the reader's calendar has them.
    assert row["state"] == "New" and row["ladder rung"] == "New"
    assert row["assigned collector"] == first.assigned_collector.username
    assert row["opened on"] == first.opened_at.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d")
    assert len(row["state changed at"]) == len("2026-01-01 09:30")
    # The list's own order: most overdue first.
    assert [int(r[0]) for r in rows[1:]] == [third.pk, theirs.pk, second.pk, first.pk]


def test_headers_and_labels_are_in_the_readers_language(book, supervisor):
    (first, *_), _theirs = book
    climb_to(first, CaseState.REMINDER)
    rows = table(client_for(supervisor).get(f"{EXPORT}?format=csv", HTTP_ACCEPT_LANGUAGE="zh-hans"))
    assert rows[0][:3] == ["案件编号", "借据号", "借款人"]
    row = by_case(rows)[first.pk]
    assert row["状态"] == "短信提醒" and row["催收阶段"] == "短信提醒"
    assert "English" not in "".join(rows[0]) and row["逾期分段"] == "1–30 天"


def test_a_filtered_and_searched_export_holds_exactly_the_cases_the_list_shows(book, supervisor):
    (first, second, third), theirs = book
    cases = by_case(table(export(supervisor, "account__currency__exact=USD")))
    assert set(cases) == {third.pk}
    cases = by_case(table(export(supervisor, f"q={second.account.loan_number}")))
    assert set(cases) == {second.pk}
    climb_to(second, CaseState.REMINDER)
    cases = by_case(table(export(supervisor, "state__exact=reminder")))
    assert set(cases) == {second.pk}
    # The order the list was sorted by (column 2: loan number, ascending).
    rows = table(export(supervisor, "o=2"))
    loans = [row[1] for row in rows[1:]]
    assert loans == sorted(loans) and len(loans) == 4


def test_the_list_links_to_its_exports_with_its_current_query(book, supervisor):
    page = client_for(supervisor).get(CHANGELIST, {"account__currency__exact": "USD", "q": "LN"}).content.decode()
    assert f'href="{EXPORT}?account__currency__exact=USD&amp;q=LN&amp;format=csv"' in page
    assert f'href="{EXPORT}?account__currency__exact=USD&amp;q=LN&amp;format=xlsx"' in page
    assert "Export CSV" in page and "Export Excel" in page
    plain = client_for(supervisor).get(CHANGELIST).content.decode()
    assert f'href="{EXPORT}?format=csv"' in plain


def test_a_collector_exports_only_their_own_cases_whatever_the_query(book, collector, other_collector):
    mine, theirs = book
    assert set(by_case(table(export(collector)))) == {case.pk for case in mine}
    assert set(by_case(table(export(collector, f"q={theirs.account.loan_number}")))) == set()
    assert set(by_case(table(export(other_collector)))) == {theirs.pk}


def test_a_field_agent_exports_nothing_without_a_live_visit(book, field_agent):
    assert table(export(field_agent))[1:] == []


def test_identifiers_are_masked_or_full_as_the_case_page_shows_them(book, collector, supervisor, administrator):
    (first, *_), _theirs = book
    phone = first.account.borrower.contact_points.get(is_primary=True).value
    national_id = first.account.borrower.national_id
    # Collectors call: the phone in full, the national ID masked (cases/roles.py).
    # A cell starting with "+" is a formula to a spreadsheet (and a number that loses its
    # "+" and its digits): the apostrophe keeps the number as typed, in full.
    row = by_case(table(export(collector)))[first.pk]
    assert (row["phone"], row["national ID"]) == ("'" + phone, mask_national_id(national_id))
    row = by_case(table(export(supervisor)))[first.pk]
    assert (row["phone"], row["national ID"]) == ("'" + phone, national_id)
    row = by_case(table(export(administrator)))[first.pk]
    assert (row["phone"], row["national ID"]) == ("'" + mask_phone(phone), mask_national_id(national_id))
    assert phone not in export(administrator).getvalue().decode("utf-8-sig")
    # In Excel the number is a text cell, exactly as stored.
    sheet = load_workbook(io.BytesIO(export(supervisor, fmt="xlsx").getvalue())).active
    assert any(row[3] == phone and row[4] == national_id for row in sheet.iter_rows(min_row=2, values_only=True))


def test_an_export_in_full_is_on_the_access_log_one_row_per_case(book, supervisor, administrator, reviewer):
    (first, second, third), theirs = book
    before = AccessLog.objects.count()
    table(export(supervisor, "account__currency__exact=CNY"))
    logged = set(
        AccessLog.objects.filter(user=supervisor, where="case list export").values_list("borrower_id", "case_id", "ip")
    )
    assert logged == {(case.account.borrower_id, case.pk, "127.0.0.1") for case in (first, second, theirs)}
    # Everything masked: nothing to log.
    count = AccessLog.objects.count()
    table(export(administrator))
    assert AccessLog.objects.count() == count > before
    listing = client_for(reviewer).get(reverse("admin:audit_accesslog_changelist")).content.decode()
    assert "case list (export)" in listing


def test_a_cell_a_spreadsheet_would_run_is_neutralised(book, supervisor):
    (first, *_), _theirs = book
    borrower = first.account.borrower
    borrower.full_name = '=HYPERLINK("http://evil.example","点击")'
    borrower.save()
    row = by_case(table(export(supervisor)))[first.pk]
    assert row["borrower"] == '\'=HYPERLINK("http://evil.example","点击")'
    sheet = load_workbook(io.BytesIO(export(supervisor, fmt="xlsx").getvalue())).active
    names = [cell for cell in sheet["C"] if cell.value == borrower.full_name]
    assert len(names) == 1 and names[0].data_type == "s"


def test_the_excel_export_has_the_header_and_typed_values(book, supervisor):
    (first, second, third), theirs = book
    response = export(supervisor, "account__currency__exact=CNY", fmt="xlsx")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert (
        response["Content-Disposition"].startswith('attachment; filename="cases-')
        and ".xlsx" in (response["Content-Disposition"])
    )
    sheet = load_workbook(io.BytesIO(response.getvalue())).active
    header = [cell.value for cell in sheet[1]]
    assert header[:3] == ["case ID", "loan number", "borrower"] and all(cell.font.bold for cell in sheet[1])
    assert sheet.freeze_panes == "A2" and sheet.max_row == 4
    rows = {row[0].value: dict(zip(header, row, strict=True)) for row in sheet.iter_rows(min_row=2)}
    assert set(rows) == {first.pk, second.pk, theirs.pk}
    cells = rows[second.pk]
    assert cells["outstanding"].data_type == "n" and cells["outstanding"].value == pytest.approx(12345.67)
    assert cells["currency"].value == "CNY" and cells["days past due"].value == 45
    assert cells["DPD bucket"].value == "31–60 days" and cells["state"].value == "New"
    assert cells["opened on"].is_date and cells["state changed at"].is_date


def test_a_wrong_format_is_a_clear_400(book, supervisor):
    response = export(supervisor, fmt="pdf")
    assert response.status_code == 400
    assert "pdf" in response.content.decode() and "xlsx" in response.content.decode()
    # A filter the list does not offer is refused as the list refuses it.
    assert export(supervisor, "account__borrower__national_id=1").status_code == 400


def test_the_query_count_does_not_grow_with_the_rows(db, supervisor):
    client = client_for(supervisor)
    client.get(f"{EXPORT}?format=csv").getvalue()  # signed in, enrolled, session settled

    def queries(count):
        for _ in range(count):
            create_case(dpd=40)
        with CaptureQueriesContext(connection) as captured:
            for fmt in ("csv", "xlsx"):
                assert client.get(f"{EXPORT}?format={fmt}").getvalue()
        return len(captured.captured_queries)

    few = queries(3)
    many = queries(30)
    assert CollectionCase.objects.count() == 33
    # The supervisor sees identifiers in full: the access-log rows are written per chunk too.
    assert AccessLog.objects.filter(user=supervisor, where="case list export").count() == 2 * (3 + 33)
    assert many == few, "a query per row"


@pytest.mark.parametrize("days, code", [(0, "current"), (1, "1-30"), (30, "1-30"), (31, "31-60"), (181, "181+")])
def test_buckets_in_python_and_in_sql_agree(db, days, code):
    assert bucket_for(days).code == code
    account = create_case(dpd=max(days, 1)).account
    LoanAccount.objects.filter(pk=account.pk).update(days_past_due=days)
    assert (
        CollectionCase.objects.filter(account=account).annotate(bucket=bucket_code()).values_list("bucket", flat=True)
    ).get() == code
    assert [bucket.code for bucket in BUCKETS] == ["1-30", "31-60", "61-90", "91-180", "181+"]


def test_an_assignment_shows_in_the_next_export(book, supervisor, other_collector):
    (first, *_), _theirs = book
    services.assign_case(CollectionCase.objects.get(pk=first.pk), other_collector, by=supervisor)
    assert by_case(table(export(supervisor)))[first.pk]["assigned collector"] == other_collector.username


def test_chunks_are_logged_and_written_in_turn(book, supervisor, monkeypatch):
    """Across chunk boundaries (2 cases each here, 2,000 in use): every case once, in the
    list's order, and each chunk on the access log as it is read."""
    from cases.admin import export as export_module

    monkeypatch.setattr(export_module, "CHUNK", 2)
    response = client_for(supervisor).get(f"{EXPORT}?format=csv")
    stream = iter(response.streaming_content)
    next(stream)  # the header: nothing read yet
    assert AccessLog.objects.filter(where="case list export").count() == 0
    rest = b"".join(stream).decode()
    assert AccessLog.objects.filter(where="case list export").count() == 4
    mine, theirs = book
    assert sorted(int(line.split(",")[0].strip('"')) for line in rest.splitlines()) == sorted(
        [case.pk for case in mine] + [theirs.pk]
    )
