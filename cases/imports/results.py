"""
What an import reports: each problem by line and column (``RowError``), and the counts
of a run (``ImportResult``). Line numbers are spreadsheet row numbers: the header is
line 1, the first record line 2.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class RowError:
    row_number: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"line {self.row_number}, field {self.field}" if self.field else f"line {self.row_number}"
        return f"{where}: {self.message}"


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    # Payments whose reference was already recorded: the repeat is ignored, as in the product.
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors
