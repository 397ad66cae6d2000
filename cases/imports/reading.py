"""
Reading the uploaded file: UTF-8 (with or without BOM) CSV into one dict of stripped
strings per record, refusing a file whose header is wrong (``InvalidCsv``) before any
record is looked at.

``CsvFile`` streams: each pass reads the file from its start, one record at a time, so a
500,000-line file is never held in memory (the import checks it in one pass and writes
it in a second). ``read_csv`` is the small-file convenience: every record in a list.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
import csv
import io

from .results import RowError

# Key under which records keep cells beyond the header, so the row reports them.
EXTRA_CELLS = None


class InvalidCsv(Exception):
    """The file cannot be read as the expected CSV (encoding, header)."""

    def __init__(self, errors: list[RowError]):
        super().__init__("; ".join(str(error) for error in errors))
        self.errors = errors


class CsvFile:
    """A text or binary CSV upload, read as records as many times as needed.

    The file must be seekable (an upload, an open file, an in-memory buffer): every
    ``records()`` pass starts from its beginning.
    """

    def __init__(self, file, *, columns: Iterable[str] = (), required: Iterable[str] = ()):
        self.file = getattr(file, "file", file)  # an UploadedFile's underlying file
        self.columns, self.required = tuple(columns), tuple(required)

    def records(self) -> Iterator[dict]:
        """Rows as dicts of stripped strings, one per record so a row's position gives its
        line number. Raises InvalidCsv when the file is not UTF-8, a required column is
        missing, or a column outside ``columns`` appears (a misspelt column would otherwise
        be read as blank and zero a balance)."""
        self.file.seek(0)
        reader = csv.reader(self._lines())
        header = [name.strip() for name in next(reader, [])]
        if header:
            header[0] = header[0].removeprefix("\ufeff")
        _check_header(header, self.columns, self.required)
        for values in reader:
            values = [value.strip() for value in values]
            row = {name: (values[index] if index < len(values) else "") for index, name in enumerate(header) if name}
            if any(values[len(header) :]):
                row[EXTRA_CELLS] = values[len(header) :]
            yield row

    def _lines(self) -> Iterator[str]:
        """The file's physical lines as text, each decoded on its own so an encoding error
        names its line."""
        if isinstance(self.file, io.TextIOBase):
            # Text is only ever an in-memory buffer here (uploads and files are binary).
            yield from io.StringIO(self.file.read(), newline="")
            return
        for number, raw in enumerate(self.file, start=1):
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise InvalidCsv([RowError(number, "", "not_utf8")]) from exc
            # A lone carriage return ends a line too, as the csv module expects.
            yield from io.StringIO(text, newline="") if "\r" in text[:-2] else (text,)


def read_csv(file, *, columns: Iterable[str] = (), required: Iterable[str] = ()) -> list[dict]:
    """Every record of a (small) CSV file in a list; see ``CsvFile.records``."""
    return list(CsvFile(file, columns=columns, required=required).records())


def _check_header(header: list[str], columns: tuple[str, ...], required: tuple[str, ...]) -> None:
    errors = [RowError(1, name, "missing_column") for name in required if name not in header]
    if columns:
        # Blank header cells are tolerated: spreadsheets often export a trailing comma.
        errors += [
            RowError(1, name, "unknown_column", {"name": name, "columns": ", ".join(columns)})
            for name in header
            if name and name not in columns
        ]
    errors += [
        RowError(1, name, "repeated_column")
        for name in sorted({name for name in header if name and header.count(name) > 1})
    ]
    if errors:
        raise InvalidCsv(errors)
