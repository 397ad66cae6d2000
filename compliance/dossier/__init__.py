"""
The case dossier: everything that happened on a case, for a reviewer to read, print or
export. The timeline (events, every contact attempt allowed, blocked or overridden with
the template and exact text sent, outbox messages never sent, field visits, complaints,
findings), the money and arrangements, and every history diff with its user and reason.

A fixed number of queries whatever the case's length: one per kind of record and one
per history table.

One module per concept, every name below importable from ``compliance.dossier``:

- ``records``: the entry, history change and dossier shapes, the clock, admin links;
- ``timeline``: the timeline's entries, one query per kind of record;
- ``history``: the history diffs, masked as the viewer's permissions say;
- ``gather``: ``case_dossier``, which puts one case's dossier together;
- ``export``: the dossier as CSV rows, safe to open in a spreadsheet, and its file name.
"""

from .export import CSV_HEADER, _utc, csv_filename, csv_rows, spreadsheet_safe
from .gather import case_dossier
from .history import CHANGE_TYPES, MASKED_FIELDS, _history_changes, _history_sources, _shown
from .records import Dossier, Entry, HistoryChange, _Clock, _shown_point, admin_url
from .timeline import (
    _attempt_entry,
    _complaint_entries,
    _event_entries,
    _finding_entries,
    _unsent_message_entries,
    _visit_entries,
)

__all__ = [
    "Dossier",
    "Entry",
    "HistoryChange",
    "_Clock",
    "_shown_point",
    "admin_url",
    "_attempt_entry",
    "_complaint_entries",
    "_event_entries",
    "_finding_entries",
    "_unsent_message_entries",
    "_visit_entries",
    "CHANGE_TYPES",
    "MASKED_FIELDS",
    "_history_changes",
    "_history_sources",
    "_shown",
    "case_dossier",
    "CSV_HEADER",
    "_utc",
    "csv_rows",
    "csv_filename",
    "spreadsheet_safe",
]
