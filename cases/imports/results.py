"""
What an import reports: each problem by line and column (``RowError``), and the counts
of a run (``ImportResult``). Line numbers are spreadsheet row numbers: the header is
line 1, the first record line 2.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from .messages import wording

# Problems an import keeps and shows: a file wrong on every one of 500,000 lines must not
# become a 500,000-line error page; the count says how many there were in all.
REPORTED_ERRORS = 200


@dataclass(frozen=True)
class RowError:
    """One problem: where it is, and what it is as a code and its values (messages.py)."""

    row_number: int
    field: str
    code: str
    params: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def message(self) -> str:
        return wording(self.code, self.params)

    def stored(self) -> list:
        return [self.row_number, self.field, self.code, self.params]

    def __str__(self) -> str:
        if self.field:
            where = _("line %(line)s, column %(column)s") % {"line": self.row_number, "column": self.field}
        else:
            where = _("line %(line)s") % {"line": self.row_number}
        return f"{where}: {self.message}"


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    # Payments whose reference was already recorded: the repeat is ignored, as in the product.
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)  # the first REPORTED_ERRORS
    error_count: int = 0  # all of them

    def __post_init__(self):
        self.error_count = max(self.error_count, len(self.errors))

    def add_errors(self, errors: list[RowError]) -> None:
        room = REPORTED_ERRORS - len(self.errors)
        if room > 0:
            self.errors.extend(errors[:room])
        self.error_count += len(errors)

    @property
    def more_errors(self) -> int:
        """Problems found but not listed."""
        return self.error_count - len(self.errors)

    @property
    def ok(self) -> bool:
        return not self.error_count
