"""The domain signals the desk turns into notifications (connected in apps.py), each
handled in the sender's transaction and set-based: one read of what the sentences need,
one INSERT for everyone told."""

from __future__ import annotations

from accounts.notices import person_name
from cases.models import CollectionCase
from core.models import JobRun

from .notifications import FINDINGS_ONE_BY_ONE, Kind, holders_of, notify, notify_many

APPROVE_VISITS = "visits.approve_fieldvisit"
REVIEW_FINDINGS = "compliance.view_finding"


def _loans(case_ids) -> dict[int, tuple[str, int | None]]:
    """case id → (loan number, assigned collector id), in one query."""
    rows = CollectionCase.objects.filter(pk__in=set(case_ids)).values_list(
        "pk", "account__loan_number", "assigned_collector_id"
    )
    return {pk: (loan, collector) for pk, loan, collector in rows}


def _visit_params(visit) -> dict:
    return {"visit": visit.pk, "case": visit.case_id, "loan": visit.case.account.loan_number}


def visit_requested(sender, visit, by, **kwargs):
    notify(
        holders_of(APPROVE_VISITS, exclude=[by.pk if by else None]),
        Kind.VISIT_REQUESTED,
        requester=person_name(by),
        exception=bool(visit.exception),
        **_visit_params(visit),
    )


def visit_decided(sender, visit, by, approved, **kwargs):
    if visit.requested_by_id is None or (by is not None and visit.requested_by_id == by.pk):
        return
    params = {**_visit_params(visit), "approver": person_name(by)}
    if approved:
        notify([visit.requested_by_id], Kind.VISIT_APPROVED, **params)
    else:
        notify([visit.requested_by_id], Kind.VISIT_REJECTED, why=visit.decision_note, **params)


def visit_checked_in_far(sender, visit, by, **kwargs):
    """The supervisor who approved the visit looks at a check-in far from the address (or,
    without one, whoever approves visits)."""
    told = [visit.approver_id] if visit.approver_id else holders_of(APPROVE_VISITS)
    notify(
        told,
        Kind.VISIT_CHECKED_IN_FAR,
        agent=person_name(by),
        distance_m=visit.check_in_distance_m,
        accuracy_m=visit.check_in_accuracy_m,
        **_visit_params(visit),
    )


def arrangements_broken(sender, promises, plans, **kwargs):
    """The night's broken promises and plans, each to its case's collector: one read of
    the cases, one INSERT per thousand notifications."""
    cases = _loans([p.case_id for p in promises] + [p.case_id for p in plans])
    rows = []
    for promise in promises:
        loan, collector = cases.get(promise.case_id, ("", None))
        params = {
            "promise": promise.pk,
            "case": promise.case_id,
            "loan": loan,
            "amount": str(promise.amount),
            "currency": promise.currency,
            "due": promise.due_date.isoformat(),
        }
        rows.append((collector, Kind.PROMISE_BROKEN, params))
    for plan in plans:
        loan, collector = cases.get(plan.case_id, ("", None))
        rows.append((collector, Kind.PLAN_BROKEN, {"plan": plan.pk, "case": plan.case_id, "loan": loan}))
    notify_many(rows)


def findings_opened(sender, findings, by=None, **kwargs):
    reviewers = holders_of(REVIEW_FINDINGS, exclude=[by.pk if by else None])
    if not reviewers or not findings:
        return
    if len(findings) > FINDINGS_ONE_BY_ONE:
        notify(reviewers, Kind.FINDINGS_OPENED, count=len(findings))
        return
    cases = _loans([f.case_id for f in findings if f.case_id])
    rows = []
    for finding in findings:
        params = {
            "finding": finding.pk,
            "case": finding.case_id,
            "loan": cases.get(finding.case_id, ("", None))[0],
            "rule": finding.rule,
            "severity": finding.severity,
        }
        rows.extend((reviewer, Kind.FINDING_OPENED, params) for reviewer in reviewers)
    notify_many(rows)


def import_finished(sender, run, **kwargs):
    if run.started_by_id is None:
        return
    counts, details = run.counts or {}, run.details or {}
    params = {"run": run.pk, "file": details.get("file", "")}
    if run.status == JobRun.Status.SUCCEEDED:
        params.update({name: counts.get(name, 0) for name in ("rows", "created", "updated", "unchanged")})
        notify([run.started_by_id], Kind.IMPORT_FINISHED, **params)
    else:
        notify([run.started_by_id], Kind.IMPORT_FAILED, errors=counts.get("errors", 0), **params)
