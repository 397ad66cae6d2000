"""What a history row's "why" says, in the reader's language.

django-simple-history keeps one short text per change (``history_change_reason``). The
services write fixed English phrases there ("plan agreed", "nightly: escalate"), which
act as codes: each app registers here how its phrases read, and the history pages and the
dossier show that. Anything unregistered was typed by a person (a supervisor's reason, a
profile note) and is shown as written.

Apps register in their ``history_reasons.py`` (found like ``admin.py``).
"""

from __future__ import annotations

from collections.abc import Callable
import re

_phrases: dict[str, object] = {}
_patterns: list[tuple[re.Pattern, Callable[[dict], str]]] = []


def phrases(table: dict[str, object]) -> None:
    """Fixed phrases and their (lazily translated) wording."""
    _phrases.update(table)


def pattern(regex: str, wording: Callable[[dict], str]) -> None:
    """A phrase with values in it; ``wording`` gets the named groups, returns the text."""
    _patterns.append((re.compile(regex), wording))


def read_change_reason(stored: str | None) -> str:
    if not stored:
        return ""
    if stored in _phrases:
        return str(_phrases[stored])
    for regex, wording in _patterns:
        if match := regex.fullmatch(stored):
            return wording(match.groupdict())
    return stored


def is_known(stored: str) -> bool:
    return stored in _phrases or any(regex.fullmatch(stored) for regex, _w in _patterns)
