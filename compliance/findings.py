"""
Findings as the scan (and a reviewer) raise them: a candidate names its rule, subject and
evidence; ``store_findings`` keeps the ones not raised before, by fingerprint, so raising
the same thing twice never makes a second finding.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
import hashlib

from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from audit import ledger as audit

from . import signals
from .models import Finding
from .summaries import STORED_LANGUAGE, Summary, evidence_sentence


@dataclass(frozen=True)
class Evidence:
    """A record behind a finding, named by a code and its parameters and worded when read
    (compliance/summaries.py); the stored label is the fallback, in a fixed language."""

    model: str  # app_label.ModelName
    id: int
    code: str
    params: dict = field(default_factory=dict)

    @property
    def label(self) -> str:
        return evidence_sentence(self.code, self.params)

    def as_dict(self) -> dict:
        with translation.override(STORED_LANGUAGE):
            label = self.label
        return {"model": self.model, "id": self.id, "code": self.code, "params": self.params, "label": label}


@dataclass
class Candidate:
    rule: str
    severity: str
    # What the scan found as a code and parameters, worded when read; a reviewer's own
    # finding is the text they typed, kept as written.
    summary: Summary | str
    evidence: list[Evidence]
    case_id: int | None = None
    borrower_id: int | None = None
    agent_id: int | None = None
    # What makes it "the same finding" on the next run when the evidence may grow
    # (e.g. more attempts join a cluster); empty: the evidence itself.
    key: str = ""

    @property
    def fingerprint(self) -> str:
        identity = self.key or ",".join(sorted(f"{e.model}:{e.id}" for e in self.evidence))
        subject = f"{self.case_id or ''}|{self.borrower_id or ''}|{self.agent_id or ''}"
        return hashlib.sha256(f"{self.rule}|{subject}|{identity}".encode()).hexdigest()

    def to_finding(self, now: datetime) -> Finding:
        coded = isinstance(self.summary, Summary)
        return Finding(
            rule=self.rule,
            severity=self.severity,
            summary=self.summary.stored_text() if coded else self.summary,
            summary_code=self.summary.code if coded else "",
            summary_params=self.summary.params if coded else {},
            evidence=[e.as_dict() for e in self.evidence],
            case_id=self.case_id,
            borrower_id=self.borrower_id,
            agent_id=self.agent_id,
            fingerprint=self.fingerprint,
            detected_at=now,
        )


def _chunks(items, size=500):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def store_findings(candidates, now: datetime | None = None) -> list[Finding]:
    """Create the findings not raised before, with their history rows sealed in the
    ledger. A concurrent scan that stored one first makes us look again, once."""
    now = now or timezone.now()
    wanted = {}
    for candidate in candidates:
        wanted.setdefault(candidate.fingerprint, candidate)
    if not wanted:
        return []
    for last_try in (False, True):
        try:
            with transaction.atomic():
                known = set()
                for chunk in _chunks(list(wanted)):
                    known.update(Finding.objects.filter(fingerprint__in=chunk).values_list("fingerprint", flat=True))
                new = [c.to_finding(now) for fingerprint, c in wanted.items() if fingerprint not in known]
                created = Finding.objects.bulk_create(new, batch_size=500)
                history = (
                    Finding.history.bulk_history_create(
                        created, default_change_reason="raised by the scan", default_date=now
                    )
                    or []
                )
                audit.ledger_append_many(history)
                if created:
                    signals.findings_opened.send(sender=Finding, findings=created, by=None)
                return created
        except IntegrityError:
            if last_try:
                raise
    return []
