"""
On the day: an assigned agent checks in, files the report (and what was agreed becomes a
promise or a plan), or aborts the visit.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.fields.files import FieldFile
from django.utils.translation import gettext as _

from audit.ledger import audited_atomic, sealing_deferred
from cases import services as case_services
from cases.event_text import EventCode
from cases.models import CollectionCase
from contacts.services import ContactBlocked, record_attempt
from core.exceptions import NotPermitted
from policy.codes import Channel, Outcome, VisitOutcome

from .. import signals
from ..models import FieldVisit, VisitReportDraft
from ..report_rules import problems
from .evidence import CheckInEvidence, Position
from .evidence import fields as evidence_fields
from .workflow import VisitRefused, _event, _is_assigned_agent, _transition


def check_in(visit, *, by, evidence: CheckInEvidence | None = None, lat=None, lon=None) -> FieldVisit:
    """An assigned agent arrives: inside the window, with enough colleagues, and only if the
    contact rules allow it now. The check-in carries its evidence (``evidence``; or a bare
    ``lat``/``lon``): the position and when it was taken, or why there is none, and an
    optional photo. Far from an address with coordinates, it is allowed but flagged for the
    supervisor. A refusal by the rules is recorded like any other contact refused."""
    if not _is_assigned_agent(by, visit):
        raise NotPermitted(_("%(username)s is not assigned to this visit.") % {"username": by.get_username()})
    if evidence is None:
        evidence = (
            CheckInEvidence(position=Position(lat, lon), no_location="") if lat is not None else CheckInEvidence()
        )
    values = evidence_fields(visit, evidence)  # refused before anything is written
    try:
        with transaction.atomic(), sealing_deferred():
            visit = _transition(visit, "check_in", by=by, code=EventCode.VISIT_CHECKED_IN, also=values)
            if visit.check_in_far:
                _event(
                    visit,
                    by,
                    EventCode.VISIT_CHECKED_IN_FAR,
                    distance_m=visit.check_in_distance_m,
                    limit_m=settings.VISIT_FAR_CHECK_IN_METRES,
                )
                signals.visit_checked_in_far.send(sender=FieldVisit, visit=visit, by=by)
            return visit
    except VisitRefused as refusal:
        if any(r.rule == "contact_allowed_now" for r in refusal.failed):
            try:  # stored as a blocked contact, outside the rolled-back check-in
                record_attempt(
                    visit.case,
                    Channel.FIELD_VISIT,
                    Outcome.RIGHT_PARTY,
                    by=by,
                    note=f"Refused check-in to visit {visit.pk}",
                )
            except ContactBlocked:
                pass
        raise


REPORT_FIELDS = [
    "outcome",
    "identity_verified",
    "identity_method",
    "willingness",
    "ability",
    "next_steps",
    "conduct_attested",
    "payment_reference",
    "report_note",
]
REPORT_FILES = ("agreement_file", "receipt_file")
# The contact the visit was, for the frequency rules and the collector's history.
ATTEMPT_OUTCOMES = {
    VisitOutcome.MET_BORROWER: Outcome.RIGHT_PARTY,
    VisitOutcome.NOT_AT_HOME: Outcome.NO_ANSWER,
    VisitOutcome.REFUSED_ENTRY: Outcome.NO_ANSWER,
    VisitOutcome.WRONG_ADDRESS: Outcome.WRONG_NUMBER,
    VisitOutcome.THIRD_PARTY_ONLY: Outcome.THIRD_PARTY,
}


class ReportIncomplete(VisitRefused):
    """The report lacks what its outcome requires: ``fields`` maps each field to why."""

    def __init__(self, fields: dict[str, str]):
        super().__init__(" ".join(dict.fromkeys(fields.values())))
        self.fields = fields


@audited_atomic
def complete_visit(visit, *, by, report: dict) -> FieldVisit:
    """File the report (the outcome first, then the lender's steps it calls for), record the
    visit as a contact, and turn what was agreed into a promise or a plan. ``report`` holds
    the fields' values; a file is an upload or a file the report's draft already holds."""
    if not _is_assigned_agent(by, visit):
        raise NotPermitted(_("%(username)s is not assigned to this visit.") % {"username": by.get_username()})
    found = problems(report)
    if found:
        raise ReportIncomplete(found)
    visit = FieldVisit.objects.select_for_update().get(pk=visit.pk)
    for name in REPORT_FIELDS:
        if name in report:
            setattr(visit, name, report[name])
    for name in REPORT_FILES:
        upload = report.get(name)
        if isinstance(upload, FieldFile):  # already stored (the draft's): the visit takes it over
            setattr(visit, name, upload.name)
        elif upload:
            try:
                FieldVisit._meta.get_field(name).check_file(upload)
            except ValidationError as refusal:
                raise ReportIncomplete({name: " ".join(refusal.messages)}) from None
            setattr(visit, name, upload)
    visit._history_user = by
    visit.save()
    case = CollectionCase.objects.select_related("account__borrower").get(pk=visit.case_id)
    agreed = bool(report.get("promise_amount") or report.get("plan_total"))
    outcome = Outcome.PROMISE_TO_PAY if agreed else ATTEMPT_OUTCOMES[visit.outcome]
    # Recorded while the visit is still in progress: the contact happened at check-in, under
    # an approved visit. If the report turns out incomplete, all of this rolls back.
    attempt = record_attempt(
        case,
        Channel.FIELD_VISIT,
        outcome,
        by=by,
        at=visit.checked_in_at,
        note=f"Field visit {visit.pk}. {report.get('next_steps', '')}".strip(),
    )
    # What was agreed is recorded while the visit is still under way: the agent may act on
    # the case only while one of their visits to it is live (cases.selectors.visible_cases).
    promise = plan = None
    try:
        if report.get("promise_amount"):
            promise = case_services.record_promise(
                case, report["promise_amount"], report["promise_due"], by=by, visit=visit.pk
            )
        elif report.get("plan_total"):
            installments = case_services.schedule_installments(
                report["plan_total"], report["plan_count"], report["plan_first_due"], report["plan_every"]
            )
            plan = case_services.agree_repayment_plan(case, installments, by=by, visit=visit.pk)
    except case_services.PromiseError as refusal:
        raise ReportIncomplete({"promise_amount": str(refusal)}) from None
    except case_services.PlanError as refusal:
        raise ReportIncomplete({"plan_total": str(refusal)}) from None
    visit = _transition(
        visit,
        "complete",
        by=by,
        code=EventCode.VISIT_REPORTED,
        params={"visit_outcome": visit.outcome},
        also={"attempt": attempt, "promise": promise, "plan": plan},
    )
    VisitReportDraft.objects.filter(visit=visit).delete()
    return visit


@audited_atomic
def abort_visit(visit, *, by, why) -> FieldVisit:
    if not why.strip():
        raise VisitRefused(_("Say why the visit was aborted."))
    if not _is_assigned_agent(by, visit):
        raise NotPermitted(_("%(username)s is not assigned to this visit.") % {"username": by.get_username()})
    return _transition(visit, "abort", by=by, code=EventCode.VISIT_ABORTED, note=why, also={"end_reason": why})
