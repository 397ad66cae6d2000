"""
On the day: an assigned agent checks in, files the report (and what was agreed becomes a
promise or a plan), or aborts the visit.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from audit.ledger import audited_atomic, sealing_deferred
from cases import services as case_services
from cases.event_text import EventCode
from cases.models import CollectionCase
from contacts.services import ContactBlocked, record_attempt
from core.exceptions import NotPermitted
from policy.codes import Channel, Outcome

from ..models import FieldVisit
from .workflow import VisitRefused, _is_assigned_agent, _transition


def check_in(visit, *, by, lat=None, lon=None) -> FieldVisit:
    """An assigned agent arrives: inside the window, with enough colleagues, and only if the
    contact rules allow it now. A refusal by the rules is recorded like any other."""
    if not _is_assigned_agent(by, visit):
        raise NotPermitted(_("%(username)s is not assigned to this visit.") % {"username": by.get_username()})
    try:
        with transaction.atomic(), sealing_deferred():
            visit = _transition(visit, "check_in", by=by, code=EventCode.VISIT_CHECKED_IN)
            visit.check_in_latitude = Decimal(str(lat)) if lat is not None else None
            visit.check_in_longitude = Decimal(str(lon)) if lon is not None else None
            visit.save(update_fields=["check_in_latitude", "check_in_longitude"])
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
    "identity_verified",
    "identity_method",
    "willingness",
    "ability",
    "next_steps",
    "conduct_attested",
    "payment_reference",
    "report_note",
]


@audited_atomic
def complete_visit(visit, *, by, report: dict) -> FieldVisit:
    """File the report (the lender's steps), record the visit as a contact, and turn what
    was agreed into a promise or a plan."""
    if not _is_assigned_agent(by, visit):
        raise NotPermitted(_("%(username)s is not assigned to this visit.") % {"username": by.get_username()})
    visit = FieldVisit.objects.select_for_update().get(pk=visit.pk)
    for name in REPORT_FIELDS:
        if name in report:
            setattr(visit, name, report[name])
    for name in ("agreement_file", "receipt_file"):
        if report.get(name):
            try:
                FieldVisit._meta.get_field(name).check_file(report[name])
            except ValidationError as refusal:
                raise VisitRefused(" ".join(refusal.messages)) from None
            setattr(visit, name, report[name])
    visit._history_user = by
    visit.save()
    case = CollectionCase.objects.select_related("account__borrower").get(pk=visit.case_id)
    outcome = (
        Outcome.PROMISE_TO_PAY
        if report.get("promise_amount") or report.get("installments")
        else (Outcome.RIGHT_PARTY if visit.identity_verified else Outcome.THIRD_PARTY)
    )
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
    if report.get("promise_amount"):
        promise = case_services.record_promise(
            case, report["promise_amount"], report["promise_due"], by=by, visit=visit.pk
        )
    elif report.get("installments"):
        plan = case_services.agree_repayment_plan(case, report["installments"], by=by, visit=visit.pk)
    return _transition(
        visit,
        "complete",
        by=by,
        code=EventCode.VISIT_COMPLETED,
        also={"attempt": attempt, "promise": promise, "plan": plan},
    )


@audited_atomic
def abort_visit(visit, *, by, why) -> FieldVisit:
    if not why.strip():
        raise VisitRefused(_("Say why the visit was aborted."))
    if not _is_assigned_agent(by, visit):
        raise NotPermitted(_("%(username)s is not assigned to this visit.") % {"username": by.get_username()})
    return _transition(visit, "abort", by=by, code=EventCode.VISIT_ABORTED, note=why, also={"end_reason": why})
