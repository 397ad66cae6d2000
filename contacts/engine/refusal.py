"""What a rule returns when it refuses: data, never a sentence (contacts/refusals.py words it
when someone reads it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .. import refusals


@dataclass(frozen=True)
class Refusal:
    reason: str
    params: dict  # the facts behind the refusal, as JSON data (contacts/refusals.py lists them)
    until: datetime | None  # earliest instant this rule allows; None: waiting alone won't do

    @property
    def explanation(self) -> str:
        return refusals.explain(self.reason, self.params)
