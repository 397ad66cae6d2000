"""
State-changing rules of the compliance workspace: the access log, reviewers' decisions
on findings and samples, complaints, the weekly sample and the audit-chain check. Each
runs in one transaction, checks the acting user's permission and raises a named
exception from ``compliance.exceptions``.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
import random

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import ledger as audit
from audit.verify import ChainReport
from cases import services as case_services
from cases.models import CollectionCase, Hold
from contacts.models import ContactAttempt
from core.exceptions import NotPermitted

from . import signals
from .exceptions import ComplaintError, FindingError, SampleError
from .findings import Candidate, Evidence, store_findings
from .models import Complaint, Finding, ReviewSample, Rule, Severity
from .summaries import Summary

_require = case_services._require


# --- findings -------------------------------------------------------------------------------------


def _open_finding(finding: Finding) -> Finding:
    finding = Finding.objects.select_for_update().get(pk=finding.pk)
    if finding.status != Finding.Status.OPEN:
        raise FindingError(
            _("Finding %(pk)s is already %(lower)s.")
            % {"pk": finding.pk, "lower": finding.get_status_display().lower()}
        )
    return finding


def _decide(finding: Finding, status: str, by, note: str) -> Finding:
    finding.status = status
    finding.reviewer = by
    finding.review_note = note
    finding.reviewed_at = timezone.now()
    finding._history_user = by
    finding._change_reason = status
    finding.save(update_fields=["status", "reviewer", "review_note", "reviewed_at", "updated_at"])
    return finding


@transaction.atomic
def confirm_finding(finding: Finding, *, by, note: str = "") -> Finding:
    """The reviewer agrees a rule was bent: the finding stays on record as confirmed."""
    _require(by, "compliance.change_finding", "decide findings")
    return _decide(_open_finding(finding), Finding.Status.CONFIRMED, by, note.strip())


@transaction.atomic
def dismiss_finding(finding: Finding, *, by, reason: str) -> Finding:
    """A dismissal is a judgement someone may later question: it needs a written reason."""
    _require(by, "compliance.change_finding", "decide findings")
    if not (reason or "").strip():
        raise FindingError(_("Say why the finding is dismissed."))
    return _decide(_open_finding(finding), Finding.Status.DISMISSED, by, reason.strip())


@transaction.atomic
def raise_finding(*, by, severity: str, summary: str, case=None, agent=None) -> Finding:
    """A reviewer's own finding (from a sample, a call recording, a tip-off)."""
    _require(by, "compliance.add_finding", "raise findings")
    if severity not in Severity.values:
        raise FindingError(_("Unknown severity %(severity)r.") % {"severity": severity})
    if not (summary or "").strip():
        raise FindingError(_("Describe what was found."))
    evidence = (
        [Evidence("cases.CollectionCase", case.pk, "case", {"case": case.pk, "loan": case.account.loan_number})]
        if case is not None
        else []
    )
    candidate = Candidate(
        Rule.MANUAL,
        severity,
        summary.strip(),
        evidence,
        case_id=case.pk if case else None,
        borrower_id=case.account.borrower_id if case else None,
        agent_id=agent.pk if agent else None,
        key=f"{by.pk}:{timezone.now().isoformat()}",
    )
    finding = candidate.to_finding(timezone.now())
    finding.raised_by = by
    finding._history_user = by
    finding._change_reason = "raised by a reviewer"
    finding.save()
    signals.findings_opened.send(sender=Finding, findings=[finding], by=by)
    return finding


# --- complaints ---------------------------------------------------------------------------------


@transaction.atomic
def record_complaint(
    *,
    by,
    borrower,
    channel: str,
    category: str,
    description: str,
    case=None,
    received_at: datetime | None = None,
    attempts=(),
    agent=None,
    place_hold: bool = False,
    hold_note: str = "",
) -> Complaint:
    """Record a borrower's complaint; with ``place_hold`` the case stops (a
    complaint-investigation hold) while it is looked into."""
    _require(by, "compliance.add_complaint", "record complaints")
    if channel not in Complaint.Channel.values:
        raise ComplaintError(_("Unknown channel %(channel)r.") % {"channel": channel})
    if category not in Complaint.Category.values:
        raise ComplaintError(_("Unknown category %(category)r.") % {"category": category})
    if not (description or "").strip():
        raise ComplaintError(_("Write down what the borrower complains about."))
    received_at = received_at or timezone.now()
    if received_at > timezone.now() + timedelta(minutes=5):
        raise ComplaintError(_("A complaint cannot be received in the future."))
    if case is not None and case.account.borrower_id != borrower.pk:
        raise ComplaintError(_("Case %(pk)s is not %(borrower)s's.") % {"pk": case.pk, "borrower": borrower})
    attempts = list(attempts)
    strangers = [a.pk for a in attempts if a.borrower_id != borrower.pk]
    if strangers:
        raise ComplaintError(
            _("Contact attempt(s) %(items)s were not with %(borrower)s.")
            % {"items": ", ".join(map(str, strangers)), "borrower": borrower}
        )
    if place_hold and case is None:
        raise ComplaintError(_("A hold needs the case the complaint is about."))
    if case is not None:
        case_services._require_case_access(by, case)
        # Rows first, ledger last: the case is locked before the first history row takes
        # the ledger head (compliance/audit.py), as place_hold will want it.
        case = CollectionCase.objects.select_for_update().select_related("account").get(pk=case.pk)
    complaint = Complaint(
        borrower=borrower,
        case=case,
        channel=channel,
        category=category,
        description=description.strip(),
        received_at=received_at,
        agent=agent,
        recorded_by=by,
    )
    complaint._history_user = by
    complaint._change_reason = "complaint recorded"
    complaint.save()
    complaint.attempts.set(attempts)
    if place_hold:
        # Raises HoldError (shown on the form) when the case is closed; the complaint is
        # then not recorded either, so the user can decide without the hold.
        note = (
            hold_note.strip() or f"Complaint #{complaint.pk} ({complaint.get_category_display()}) under investigation."
        )
        complaint.hold = case_services.place_hold(case, Hold.Kind.COMPLAINT_INVESTIGATION, by=by, note=note)
        complaint._history_user = by
        complaint._change_reason = "investigation hold placed"
        complaint.save(update_fields=["hold"])
    return complaint


@transaction.atomic
def resolve_complaint(complaint: Complaint, *, by, resolution: str) -> Complaint:
    """Close the complaint with what was found and done. A hold it placed stays until a
    supervisor releases it: resuming collection is their decision."""
    _require(by, "compliance.change_complaint", "resolve complaints")
    complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
    if complaint.resolved_at is not None:
        raise ComplaintError(_("Complaint %(pk)s was already resolved.") % {"pk": complaint.pk})
    if not (resolution or "").strip():
        raise ComplaintError(_("Write down the resolution."))
    complaint.resolution = resolution.strip()
    complaint.resolved_at = timezone.now()
    complaint.resolved_by = by
    complaint._history_user = by
    complaint._change_reason = "resolved"
    complaint.save(update_fields=["resolution", "resolved_at", "resolved_by"])
    return complaint


# --- review samples ---------------------------------------------------------------------------------


def week_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def sample_cases_for_review(week: date | None = None, per_agent: int | None = None) -> dict[str, int]:
    """Queue a random sample of each agent's cases from ``week`` (default: last week) for
    review: settings.COMPLIANCE_SAMPLE_PER_AGENT cases per agent (default 3). Running it
    again for the same week only tops up agents sampled short."""
    per_agent = per_agent or getattr(settings, "COMPLIANCE_SAMPLE_PER_AGENT", 3)
    week = week_of(week or timezone.localdate() - timedelta(days=7))
    zone = timezone.get_current_timezone()
    start = datetime.combine(week, datetime.min.time(), tzinfo=zone)
    worked = defaultdict(set)
    for agent_id, case_id in (
        ContactAttempt.objects.filter(
            agent__isnull=False, started_at__gte=start, started_at__lt=start + timedelta(days=7)
        )
        .values_list("agent_id", "case_id")
        .distinct()
    ):
        worked[agent_id].add(case_id)
    # An agent must not be able to predict which cases are drawn.
    draw = random.SystemRandom()
    with transaction.atomic():
        already = defaultdict(set)
        for agent_id, case_id in ReviewSample.objects.filter(week=week).values_list("agent_id", "case_id"):
            already[agent_id].add(case_id)
        new = []
        for agent_id, cases in worked.items():
            wanted = per_agent - len(already[agent_id])
            pool = sorted(cases - already[agent_id])
            for case_id in draw.sample(pool, min(max(wanted, 0), len(pool))):
                new.append(ReviewSample(case_id=case_id, agent_id=agent_id, week=week))
        created = ReviewSample.objects.bulk_create(new)
        audit.ledger_append_many(
            ReviewSample.history.bulk_history_create(
                created, default_change_reason=f"sampled for the week of {week:%Y-%m-%d}"
            )
            or []
        )
    return {"agents": len(worked), "sampled": len(created)}


@transaction.atomic
def queue_sample(case, *, by, agent=None) -> ReviewSample:
    """A reviewer adds a case to this week's samples by hand (e.g. after a complaint)."""
    _require(by, "compliance.add_reviewsample", "queue samples")
    agent = agent or case.assigned_collector
    if agent is None:
        raise SampleError(_("Case %(pk)s has no collector; say whose work is reviewed.") % {"pk": case.pk})
    week = week_of(timezone.localdate())
    if ReviewSample.objects.filter(case=case, agent=agent, week=week).exists():
        raise SampleError(
            _("Case %(pk)s is already sampled for %(username)s this week.")
            % {"pk": case.pk, "username": agent.get_username()}
        )
    sample = ReviewSample(case=case, agent=agent, week=week)
    sample._history_user = by
    sample._change_reason = "queued by a reviewer"
    sample.save()
    return sample


@transaction.atomic
def record_sample_review(
    sample: ReviewSample, *, by, answers: dict[str, bool], verdict: str, note: str = ""
) -> ReviewSample:
    """Every checklist question answered; a pass only when every answer is yes; a concern
    or a fail says why."""
    _require(by, "compliance.change_reviewsample", "review samples")
    sample = ReviewSample.objects.select_for_update().get(pk=sample.pk)
    if sample.verdict != ReviewSample.Verdict.PENDING:
        raise SampleError(
            _("This sample was already reviewed (%(lower)s).") % {"lower": sample.get_verdict_display().lower()}
        )
    if by.pk == sample.agent_id:
        raise NotPermitted(_("Nobody reviews their own work."))
    questions = dict(ReviewSample.CHECKLIST)
    unanswered = [questions[name] for name in questions if answers.get(name) is None]
    if unanswered:
        raise SampleError(_("Answer every question: %(items)s.") % {"items": ", ".join(map(str, unanswered))})
    if verdict not in (ReviewSample.Verdict.PASS, ReviewSample.Verdict.CONCERN, ReviewSample.Verdict.FAIL):
        raise SampleError(_("Choose pass, concern or fail."))
    if verdict == ReviewSample.Verdict.PASS and not all(answers[name] for name in questions):
        raise SampleError(_("A sample with a 'no' answer cannot pass."))
    if verdict != ReviewSample.Verdict.PASS and not (note or "").strip():
        raise SampleError(_("Say what the concern or failure is."))
    for name in questions:
        setattr(sample, name, bool(answers[name]))
    sample.verdict, sample.note, sample.reviewer, sample.reviewed_at = verdict, note.strip(), by, timezone.now()
    sample._history_user = by
    sample._change_reason = f"reviewed: {verdict}"
    sample.save()
    return sample


# --- the audit chain ---------------------------------------------------------------------------------


def check_audit_chain(*, by=None) -> ChainReport:
    """Verify the chain; a broken one is raised as a high-severity finding naming the
    first broken row (once per row and kind of damage)."""
    if by is not None:
        _require(by, "audit.verify_audit_chain", "verify the audit chain")
    report = audit.verify_chain()
    problem = report.first_problem
    if problem is not None:
        evidence = (
            [Evidence("compliance.AuditLedger", problem.seq, "ledger_entry", {"seq": problem.seq})]
            if problem.seq is not None and problem.kind not in ("gap", "head")
            else []
        )
        store_findings(
            [
                Candidate(
                    Rule.AUDIT_CHAIN,
                    Severity.HIGH,
                    Summary(
                        "audit_chain",
                        {
                            "kind": problem.kind,
                            "table": problem.table,
                            "row": problem.row_pk,
                            "seq": problem.seq,
                            "detail": problem.detail,
                        },
                    ),
                    evidence,
                    key=f"{problem.kind}:{problem.table}:{problem.row_pk}:{problem.seq}",
                )
            ]
        )
    return report
