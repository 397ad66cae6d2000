"""
Checking one CSV record: ``_Record`` reads a record's cells as text, choices, amounts,
dates and timestamps, and collects what is wrong with each as a ``RowError``;
``_records`` yields the records of a file, skipping blank ones and flagging extra cells.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
import re

from django.core.exceptions import ValidationError
from django.utils import timezone

from .reading import EXTRA_CELLS
from .results import RowError

# DecimalField(max_digits=14, decimal_places=2): twelve digits before the point.
LARGEST_AMOUNT = Decimal("999999999999.99")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class _Record:
    """One CSV record being checked: reads its values by column, collects what is wrong."""

    def __init__(self, line: int, values: dict):
        self.line = line
        self.values = values
        self.errors: list[RowError] = []

    def error(self, column: str, code: str, **params) -> None:
        self.errors.append(RowError(self.line, column, code, params))

    def text(self, column: str, *, required: bool = False, max_length: int | None = None) -> str:
        value = (self.values.get(column) or "").strip()
        if "\x00" in value:
            # PostgreSQL cannot store it; refuse the cell rather than fail the whole write.
            self.error(column, "nul")
            return ""
        if required and not value:
            self.error(column, "required")
        elif max_length and len(value) > max_length:
            self.error(column, "too_long", max_length=max_length, length=len(value))
        return value

    def choice(self, column: str, choices: list[str], *, required: bool = False, normalise=str) -> str:
        value = normalise(self.text(column, required=required))
        if value and value not in choices:
            self.error(column, "not_a_choice", value=value, choices=", ".join(choices))
        return value

    def money(self, column: str, *, required: bool = False) -> Decimal | None:
        raw = self.text(column, required=required)
        if not raw:
            return None if required else Decimal("0.00")
        try:
            value = Decimal(raw)
        except InvalidOperation:
            value = None
        if value is None or not value.is_finite():
            self.error(column, "not_an_amount", value=raw)
        elif value < 0:
            self.error(column, "negative", value=raw)
        elif value > LARGEST_AMOUNT:
            # Before quantize(), which cannot hold more than the context's 28 digits.
            self.error(column, "too_large", value=raw, largest=str(LARGEST_AMOUNT))
        elif value != value.quantize(Decimal("0.01")):
            self.error(column, "too_many_decimals", value=raw)
        else:
            return value.quantize(Decimal("0.01"))
        return None

    def date(self, column: str) -> date | None:
        raw = self.text(column)
        if not raw:
            return None
        try:
            if ISO_DATE.match(raw):
                return date.fromisoformat(raw)
        except ValueError:
            pass
        self.error(column, "not_a_date", value=raw)
        return None

    def aware_datetime(self, column: str) -> datetime | None:
        raw = self.text(column, required=True)
        try:
            value = datetime.fromisoformat(raw) if raw else None
        except ValueError:
            self.error(column, "not_a_timestamp", value=raw)
            return None
        if value is not None and timezone.is_naive(value):
            # A naive time is ambiguous across the lender's and the borrowers' zones.
            self.error(column, "no_offset", value=raw, example=f"{raw}+08:00")
            return None
        return value


def _records(rows: Iterable[dict]):
    for line, values in enumerate(rows, start=2):
        values = dict(values)
        extra = values.pop(EXTRA_CELLS, None)
        if not (extra or any((value or "").strip() for value in values.values())):
            continue
        record = _Record(line, values)
        if extra:
            # Usually an unquoted comma inside a value (1,000.00), which shifts every cell after it.
            record.error("", "extra_cells", count=len(extra))
        yield record


def _max_length(model, field_name: str) -> int:
    return model._meta.get_field(field_name).max_length


def _validation_message(error: ValidationError) -> str:
    return " ".join(error.messages)
