"""
Reading the uploaded file: UTF-8 (with or without BOM) CSV into one dict of stripped
strings per record, refusing a file whose header is wrong (``InvalidCsv``) before any
record is looked at.
"""

from __future__ import annotations

from collections.abc import Iterable
import csv
import io

from .results import RowError

# Key under which read_csv keeps cells beyond the header, so the row reports them.
EXTRA_CELLS = None


class InvalidCsv(Exception):
    """The file cannot be read as the expected CSV (encoding, header)."""

    def __init__(self, errors: list[RowError]):
        super().__init__("; ".join(str(error) for error in errors))
        self.errors = errors


def read_csv(file, *, columns: Iterable[str] = (), required: Iterable[str] = ()) -> list[dict]:
    """Rows of a text or binary CSV upload (UTF-8, with or without BOM) as dicts of
    stripped strings, one per record so a row's index gives its line number.

    Raises InvalidCsv when the file is not UTF-8, a ``required`` column is missing,
    or a column outside ``columns`` appears (a misspelt column would otherwise be read
    as blank and zero a balance).
    """
    text = _decoded(file.read())
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [name.strip() for name in next(reader, [])]
    _check_header(header, tuple(columns), tuple(required))
    rows = []
    for values in reader:
        values = [value.strip() for value in values]
        row = {name: (values[index] if index < len(values) else "") for index, name in enumerate(header) if name}
        if any(values[len(header) :]):
            row[EXTRA_CELLS] = values[len(header) :]
        rows.append(row)
    return rows


def _decoded(data) -> str:
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InvalidCsv(
            [RowError(line, "", "The file is not UTF-8 text; save it as 'CSV UTF-8' and try again.")]
        ) from exc


def _check_header(header: list[str], columns: tuple[str, ...], required: tuple[str, ...]) -> None:
    errors = [
        RowError(1, name, "Required column is missing from the header.") for name in required if name not in header
    ]
    if columns:
        # Blank header cells are tolerated: spreadsheets often export a trailing comma.
        errors += [
            RowError(1, name, f"Unknown column {name!r}; expected some of: {', '.join(columns)}.")
            for name in header
            if name and name not in columns
        ]
    errors += [
        RowError(1, name, "Column appears twice in the header.")
        for name in sorted({name for name in header if name and header.count(name) > 1})
    ]
    if errors:
        raise InvalidCsv(errors)
