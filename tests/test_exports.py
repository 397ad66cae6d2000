"""core/exports.py: any table as a CSV or an Excel download, safe to open in a
spreadsheet, in the reader's zone, with a name no client can misread."""

import csv
from datetime import UTC, date, datetime
from decimal import Decimal
import io

from django.utils import timezone, translation
from openpyxl import load_workbook
import pytest

from core.exceptions import ServiceError
from core.exports import (
    CSV_ROWS_PER_CHUNK,
    UnknownExportFormat,
    attachment_header,
    csv_response,
    export_response,
    xlsx_response,
)

HEADER = ["名字", "amount", "at", "on", "note"]
AT = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)  # 07:30 the next morning in Shanghai


def rows():
    yield ["张三", Decimal("1234.50"), AT, date(2026, 2, 28), '=HYPERLINK("http://evil")']
    yield ["O'Brien", Decimal("-5"), None, None, "+1 called; -2 later;@x"]
    yield ["李四", 3, None, None, True]


def csv_of(response):
    raw = response.getvalue()
    assert raw.startswith("\ufeff".encode()), "no byte-order mark: Excel would misread Chinese"
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


def workbook_of(response):
    return load_workbook(io.BytesIO(response.getvalue()))


@pytest.fixture
def shanghai():
    with timezone.override("Asia/Shanghai"), translation.override("en"):
        yield


def test_csv_is_utf8_with_bom_and_chinese_round_trips(shanghai):
    response = csv_response("cases", HEADER, rows())
    assert response.streaming and response["Content-Type"] == "text/csv; charset=utf-8"
    table = csv_of(response)
    assert table[0] == HEADER
    assert table[1][0] == "张三" and table[3][0] == "李四"


def test_csv_writes_numbers_plainly_and_times_in_the_readers_zone(shanghai):
    table = csv_of(csv_response("cases.csv", HEADER, rows()))
    assert table[1][1:4] == ["1234.50", "2026-03-02 07:30", "2026-02-28"]
    # A negative number is a number, not a formula; empty cells stay empty.
    assert table[2][1:4] == ["-5", "", ""]
    assert table[3][1] == "3" and table[3][4] == "yes"


def test_csv_neutralises_cells_a_spreadsheet_would_run(shanghai):
    table = csv_of(csv_response("cases", HEADER, rows()))
    assert table[1][4] == '\'=HYPERLINK("http://evil")'
    assert table[2][4] == "'+1 called;' -2 later;'@x"
    assert csv_response("x", HEADER, rows()).getvalue().count(b'"') % 2 == 0


def test_csv_streams_in_chunks_rather_than_building_the_file(shanghai):
    many = ([n, "x"] for n in range(CSV_ROWS_PER_CHUNK * 3 + 1))
    chunks = list(csv_response("many", ["n", "x"], many).streaming_content)
    assert len(chunks) == 1 + 4  # the header, three full chunks and the rest


def test_csv_rows_are_written_in_the_language_active_when_the_response_was_made():
    with translation.override("zh-hans"):
        response = csv_response("x", ["a"], ([flag] for flag in (True, False)))
    with translation.override("en"):
        assert csv_of(response)[1:] == [["是"], ["否"]]


def test_xlsx_has_a_bold_frozen_header_and_typed_cells(shanghai):
    response = xlsx_response("cases", HEADER, rows(), sheet_title="Cases: [all]")
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"] == 'attachment; filename="cases.xlsx"'
    sheet = workbook_of(response).active
    assert sheet.title == "Cases_ _all_"
    assert [cell.value for cell in sheet[1]] == HEADER
    assert all(cell.font.bold for cell in sheet[1]) and sheet.freeze_panes == "A2"
    name, amount, at, on, note = sheet[2]
    assert name.value == "张三"
    assert amount.data_type == "n" and amount.value == 1234.5 and amount.number_format == "#,##0.00"
    assert at.is_date and at.value == datetime(2026, 3, 2, 7, 30)  # Shanghai time, as shown
    assert on.is_date and on.value.date() == date(2026, 2, 28)
    # Stored as text, never as a formula Excel would run.
    assert note.data_type == "s" and note.value == '=HYPERLINK("http://evil")'
    assert sheet["B3"].value == -5 and sheet["B4"].value == 3 and sheet["E4"].value is True
    # Columns sized from their contents, a CJK character counting double.
    assert sheet.column_dimensions["A"].width >= 6 and sheet.column_dimensions["E"].width >= 26


def test_export_response_picks_the_format_and_names_a_wrong_one(shanghai):
    assert export_response("csv", "t", HEADER, rows())["Content-Disposition"] == 'attachment; filename="t.csv"'
    assert workbook_of(export_response("xlsx", "t", HEADER, rows())).active.max_row == 4
    with pytest.raises(UnknownExportFormat) as refused:
        export_response("pdf", "t", HEADER, rows())
    assert isinstance(refused.value, ServiceError) and "pdf" in str(refused.value) and "xlsx" in str(refused.value)


@pytest.mark.parametrize(
    "name, header",
    [
        ("cases.csv", 'attachment; filename="cases.csv"'),
        (
            "案件-2026.xlsx",
            "attachment; filename=\"2026.xlsx\"; filename*=utf-8''%E6%A1%88%E4%BB%B6-2026.xlsx",
        ),
        ("Café.csv", "attachment; filename=\"Cafe.csv\"; filename*=utf-8''Caf%C3%A9.csv"),
        (
            'a"b;\r\nSet-Cookie: x=1.csv',
            "attachment; filename=\"a_b_Set-Cookie_x_1.csv\"; filename*=utf-8''a%22b%3B_Set-Cookie%3A%20x%3D1.csv",
        ),
        ("../../etc/passwd", "attachment; filename=\"etc_passwd\"; filename*=utf-8''.._.._etc_passwd"),
    ],
)
def test_the_download_name_is_plain_ascii_with_the_real_one_beside_it(name, header):
    assert attachment_header(name) == header
