"""
Tables as downloads a spreadsheet opens: CSV and Excel (XLSX), for any list of rows.

The public API (other apps call these; keep the signatures):

- ``export_response(fmt, filename, header, rows)``: ``fmt`` is ``"csv"`` or ``"xlsx"``;
  anything else raises ``UnknownExportFormat`` (a ``ServiceError``: its message says
  what to ask for);
- ``csv_response(filename, header, rows)`` and ``xlsx_response(filename, header, rows,
  sheet_title="")``;
- ``spreadsheet_safe(value)``: a text cell no spreadsheet will run as a formula.

``header`` is a list of labels already in the reader's language; ``rows`` any iterable of
sequences, read once and lazily (a generator over ``QuerySet.iterator()`` keeps a
100,000-row export in bounded memory). ``filename`` is the download's name; ``.csv`` or
``.xlsx`` is added when it does not end so.

How values are written:

- text: as typed, except that a cell a spreadsheet would read as a formula (``=``,
  ``+``, ``-``, ``@``, tab, carriage return, their full-width forms, also after a ``;``
  in a ";"-separated locale) gets a leading apostrophe in CSV; in XLSX such a cell is
  stored as a string cell, which Excel never evaluates, so it reads as typed;
- ``int``, ``float``, ``Decimal``: numbers, never neutralised (a negative balance is a
  number, not a formula). A Decimal is written plainly in CSV (``1234.50``, no exponent,
  no grouping) and as a number with its places in XLSX; the currency belongs in a
  column of its own;
- ``datetime``: in the reader's zone (the active one when the response is made), as
  ``YYYY-MM-DD HH:MM`` in CSV, a form every spreadsheet reads as a date-time in every
  locale and nobody reads day-for-month; in XLSX a real date-time cell shown the same
  way. ``date``: ``YYYY-MM-DD``, likewise. A naive value is taken as already local;
- ``None``: an empty cell; ``bool``: "yes"/"no" in the reader's language in CSV, a
  boolean cell in XLSX.

CSV is UTF-8 with a byte-order mark (without it Excel reads Chinese names as mojibake),
every cell quoted (a ";" inside a cell cannot start another in a ";"-separated locale),
streamed as it is written. XLSX is written by openpyxl in write-only mode (rows go to a
temporary file as they come, memory stays flat) with a bold, frozen header row and
column widths from the header and the first rows, then streamed from that file.

The language and zone active when the response is made are the ones the rows are
written in, even though a CSV is written after the view has returned.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
import csv
from datetime import date, datetime
from decimal import Decimal
from itertools import chain, islice
import re
import tempfile
import unicodedata
from urllib.parse import quote

from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from .exceptions import ServiceError

FORMATS = ("csv", "xlsx")
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Rows written per chunk of a streamed CSV: small enough to start the download at once.
CSV_ROWS_PER_CHUNK = 200
# Rows read ahead to size the XLSX columns (the write-only sheet fixes widths up front).
WIDTH_SAMPLE_ROWS = 100
MIN_WIDTH, MAX_WIDTH = 6, 60
DATETIME_TEXT, DATE_TEXT = "%Y-%m-%d %H:%M", "%Y-%m-%d"
DATETIME_CELL, DATE_CELL = "yyyy-mm-dd hh:mm", "yyyy-mm-dd"
XLSX_MAX_TEXT = 32767  # characters Excel keeps in one cell


class UnknownExportFormat(ServiceError):
    """An export was asked for in a format we do not write."""

    def __init__(self, fmt):
        self.format = fmt
        super().__init__(
            gettext("There is no export format “%(format)s”: ask for csv (CSV) or xlsx (Excel).") % {"format": fmt}
        )


# --- cells ---------------------------------------------------------------------------------

# A cell starting with one of these (after blanks) is read as a formula by Excel, LibreOffice
# or Google Sheets, the full-width forms included (CJK input methods type them).
FORMULA_STARTS = "=+-@\t\r＝＋－＠"
_BLANKS = " \u3000"
# Where the list separator is ";" (most of Europe), a spreadsheet opening the file may
# split a cell at its semicolons: what follows one starts a cell of its own.
_FORMULA_AFTER_SEMICOLON = re.compile(f"(;)(?=[{_BLANKS}]*[{re.escape(FORMULA_STARTS)}])")


def spreadsheet_safe(value) -> str:
    """A cell a spreadsheet will not run, in a ","- or a ";"-separated locale: notes and
    names are typed by people. A leading apostrophe makes a spreadsheet show the text."""
    text = "" if value is None else str(value)
    if ";" in text:
        text = _FORMULA_AFTER_SEMICOLON.sub(r"\1'", text)
    first = text.lstrip(_BLANKS)[:1]
    return "'" + text if first and first in FORMULA_STARTS else text


def _local(moment: datetime, zone) -> datetime:
    return timezone.localtime(moment, zone) if timezone.is_aware(moment) else moment


def _csv_cell(value, zone) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, datetime):
        return _local(value, zone).strftime(DATETIME_TEXT)
    if isinstance(value, date):
        return value.strftime(DATE_TEXT)
    return spreadsheet_safe(value)


# --- the download's name -------------------------------------------------------------------


def with_extension(filename: str, extension: str) -> str:
    return filename if filename.lower().endswith(f".{extension}") else f"{filename}.{extension}"


def attachment_header(filename: str) -> str:
    """``Content-Disposition`` for a download named ``filename``: a plain ASCII
    ``filename`` every client understands (letters, digits, "." "_" "-" only, so nothing
    can end the header or the quoted name), and the name as given in RFC 5987's
    ``filename*`` when it is not plain ASCII (a Chinese name is kept where supported)."""
    name = re.sub(r"[\x00-\x1f\x7f/\\]+", "_", filename).strip() or "export"
    decomposed = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
    stem, dot, extension = decomposed.rpartition(".")
    if not (dot and stem and extension.isascii() and extension.isalnum()):
        stem, dot, extension = decomposed, "", ""
    ascii_stem = re.sub(r"[^A-Za-z0-9.-]+", "_", stem).strip("._-")
    ascii_name = (ascii_stem if re.search("[A-Za-z0-9]", ascii_stem) else "export") + dot + extension
    if ascii_name == name:
        return f'attachment; filename="{ascii_name}"'
    return f"attachment; filename=\"{ascii_name}\"; filename*=utf-8''{quote(name, safe='')}"


# --- CSV -----------------------------------------------------------------------------------


class _Echo:
    """A file-like object whose ``write`` hands back what it is given: ``csv.writer``
    then returns each written line, to be streamed (the Django documentation's pattern)."""

    def write(self, value):
        return value


def csv_response(filename: str, header: list[str], rows: Iterable[Sequence]) -> StreamingHttpResponse:
    """The table as a streamed UTF-8 CSV download (with BOM), one line per row."""
    zone = timezone.get_current_timezone()
    language = translation.get_language()
    header = [str(label) for label in header]

    def lines():
        writer = csv.writer(_Echo(), quoting=csv.QUOTE_ALL)
        yield "\ufeff" + writer.writerow([spreadsheet_safe(label) for label in header])
        with translation.override(language):
            chunk = []
            for row in rows:
                chunk.append(writer.writerow([_csv_cell(value, zone) for value in row]))
                if len(chunk) >= CSV_ROWS_PER_CHUNK:
                    yield "".join(chunk)
                    chunk = []
            if chunk:
                yield "".join(chunk)

    response = StreamingHttpResponse(lines(), content_type=CSV_CONTENT_TYPE)
    response["Content-Disposition"] = attachment_header(with_extension(filename, "csv"))
    return response


# --- XLSX ----------------------------------------------------------------------------------


def _text_width(value) -> int:
    """Columns a value takes in a spreadsheet: a CJK character is two."""
    if isinstance(value, datetime | date):
        text = DATETIME_CELL if isinstance(value, datetime) else DATE_CELL
    elif isinstance(value, Decimal):
        text = format(value, ",f")
    else:
        text = str(value)
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _widths(header, sample) -> list[int]:
    widths = [_text_width(label) for label in header]
    for row in sample:
        for index, value in enumerate(row[: len(widths)]):
            if value is not None:
                widths[index] = max(widths[index], _text_width(value))
    return [min(max(width + 2, MIN_WIDTH), MAX_WIDTH) for width in widths]


def _sheet_title(title: str) -> str:
    """Excel's rules: at most 31 characters, none of []:*?/\\ and not blank."""
    return re.sub(r"[\[\]:*?/\\]", "_", title).strip("'")[:31] or "Sheet1"


def _xlsx_cell(sheet, value, zone):
    """The value as openpyxl writes it: a plain value where that is already right, a
    cell with a number format or a forced string type where it is not."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, Decimal):
        cell = WriteOnlyCell(sheet, value)
        places = max(-value.as_tuple().exponent, 0) if value.is_finite() else 0
        cell.number_format = "#,##0" + ("." + "0" * places if places else "")
        return cell
    if isinstance(value, datetime):
        cell = WriteOnlyCell(sheet, _local(value, zone).replace(tzinfo=None))
        cell.number_format = DATETIME_CELL
        return cell
    if isinstance(value, date):
        cell = WriteOnlyCell(sheet, value)
        cell.number_format = DATE_CELL
        return cell
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))[:XLSX_MAX_TEXT]
    if not text.startswith("="):
        return text
    cell = WriteOnlyCell(sheet, text)
    cell.data_type = "s"  # stored as text: Excel shows it, never runs it
    return cell


def xlsx_response(filename: str, header: list[str], rows: Iterable[Sequence], sheet_title: str = "") -> FileResponse:
    """The table as an Excel workbook of one sheet, built in constant memory into a
    temporary file (deleted when the response is closed) and streamed from it."""
    zone = timezone.get_current_timezone()
    filename = with_extension(filename, "xlsx")
    header = [str(label) for label in header]
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_sheet_title(str(sheet_title) or filename.rsplit(".", 1)[0]))
    rows = iter(rows)
    sample = list(islice(rows, WIDTH_SAMPLE_ROWS))
    for index, width in enumerate(_widths(header, sample), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header_cells = []
    for label in header:
        cell = WriteOnlyCell(sheet, ILLEGAL_CHARACTERS_RE.sub("", label))
        cell.data_type = "s"
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    count = 0
    for row in chain(sample, rows):
        sheet.append([_xlsx_cell(sheet, value, zone) for value in row])
        count += 1
    if header:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(header))}{count + 1}"
    file = tempfile.TemporaryFile(suffix=".xlsx")
    workbook.save(file)
    file.seek(0)
    response = FileResponse(file, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = attachment_header(filename)
    return response


# --- either --------------------------------------------------------------------------------


def export_response(fmt: str, filename: str, header: list[str], rows: Iterable[Sequence]):
    """The table as a download in ``fmt`` ("csv" or "xlsx"); ``UnknownExportFormat`` for
    any other."""
    if fmt == "csv":
        return csv_response(filename, header, rows)
    if fmt == "xlsx":
        return xlsx_response(filename, header, rows)
    raise UnknownExportFormat(fmt)
