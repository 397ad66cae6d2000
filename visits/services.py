"""
Field-visit services (DESIGN.md API): request, approve/reject, send the notice, check in,
complete, abort, cancel. Each checks permission and case access, runs in one transaction,
records a CaseEvent, and raises VisitRefused with a readable sentence.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.ledger import audited_atomic, sealing_deferred
from cases import guards as case_guards
from cases import services as case_services
from cases.models import LADDER, CaseEvent, CaseState, CollectionCase
from cases.selectors import borrower_zone
from contacts.models import OutboundMessage
from contacts.outbox import approved_templates, best_point, template_for
from contacts.services import ContactBlocked, record_attempt
from core.exceptions import NotPermitted, ServiceError
from policy.codes import Channel, Outcome

from .models import COUNTED_STATES, FieldAgent, FieldVisit, VisitNotice, VisitState


class VisitRefused(ServiceError):
    def __init__(self, message: str, failed=()):
        super().__init__(message)
        self.failed = list(failed)


# --- eligibility ---------------------------------------------------------------------------


def failed_attempts_by_channel(case, days: int) -> dict[str, int]:
    since = timezone.now() - timedelta(days=days)
    rows = case.contact_attempts.failed_remote(since).values("channel").annotate(n=Count("pk"))
    return {row["channel"]: row["n"] for row in rows}


def covering_agents(region: str):
    return [agent for agent in FieldAgent.objects.filter(active=True).select_related("user") if agent.covers(region)]


def eligibility(case) -> dict:
    """The snapshot kept with a request: every rule, its inputs, and whether it held."""
    profile = case.policy_profile
    rules = [
        g.evaluate(case)
        for g in (
            case_guards.field_visit_dpd_reached,
            case_guards.field_visit_balance_reached,
            case_guards.has_failed_remote_contact,
            case_guards.notice_lead_time_elapsed,
        )
    ]
    region = case.account.borrower.region or case.account.region
    agents = covering_agents(region)
    checks = [{"rule": r.rule, "passed": r.passed, "explanation": r.explanation, "inputs": r.inputs} for r in rules]
    checks.append(
        {
            "rule": "region_covered",
            "passed": bool(agents),
            "explanation": (
                _("Region %(region)s: covered by %(agents)s.")
                % {"region": region or _("(unknown)"), "agents": ", ".join(a.badge_number for a in agents)}
                if agents
                else _("Region %(region)s: no field partner or own staff covers it.")
                % {"region": region or _("(unknown)")}
            ),
            "inputs": {"region": region, "agents": [a.badge_number for a in agents]},
        }
    )
    points = list(case.account.borrower.contact_points.all())
    return {
        "days_past_due": case.account.days_past_due,
        "outstanding": str(case.account.outstanding_total),
        "currency": case.account.currency,
        "profile": profile.label,
        "failed_attempts_by_channel": failed_attempts_by_channel(case, profile.field_visit_attempt_window_days),
        "invalid_contact_points": sum(1 for p in points if p.is_invalid),
        "contact_points": len(points),
        "written_notice_sent_at": case.written_notice_sent_at.isoformat() if case.written_notice_sent_at else None,
        "checks": checks,
    }


def _hard_limits(case, profile):
    """Reasons no exception can overrule."""
    rung = case.state if case.state in LADDER else case.ladder_rung
    if not case.is_open or case.state == CaseState.ON_HOLD:
        yield _("The case is %(lower)s.") % {"lower": case.get_state_display().lower()}
    elif LADDER.index(rung) < LADDER.index(CaseState.WRITTEN_NOTICE):
        yield _("A visit may be requested only once the case has reached the written-notice rung.")
    if case.account.borrower.vulnerable and profile.no_visit_if_vulnerable:
        yield _("The borrower is vulnerable: %(label)s allows no field visit.") % {"label": profile.label}
    recent = case.field_visits.filter(
        state__in=COUNTED_STATES, requested_at__gte=timezone.now() - timedelta(days=30)
    ).count()
    if recent >= profile.visits_per_30_days:
        yield _("%(recent)s visit(s) in the last 30 days (limit %(visits_per_30_days)s).") % {
            "recent": recent,
            "visits_per_30_days": profile.visits_per_30_days,
        }


# --- the workflow ---------------------------------------------------------------------------


def _event(visit, by, reason):
    CaseEvent.objects.create(
        case_id=visit.case_id,
        kind=CaseEvent.Kind.VISIT,
        actor=by,
        transition=f"visit:{visit.state}",
        reason=f"Visit {visit.pk}: {reason}",
    )


def _check_window(case, start: datetime, end: datetime):
    if timezone.is_naive(start) or timezone.is_naive(end):
        raise VisitRefused(_("The visit window must be timezone-aware."))
    if end <= start:
        raise VisitRefused(_("The visit window must end after it starts."))
    if end - start > timedelta(hours=4):
        raise VisitRefused(_("Announce a window of at most four hours."))
    profile = case.policy_profile
    zone = borrower_zone(case)
    local_start, local_end = start.astimezone(zone), end.astimezone(zone)
    if local_start.date() != local_end.date() or not (
        profile.contact_window_start <= local_start.time() and local_end.time() <= profile.contact_window_end
    ):
        raise VisitRefused(
            _("Visits happen between %(contact_window_start)s and %(contact_window_end)s borrower-local (%(key)s).")
            % {
                "contact_window_start": format(profile.contact_window_start, "%H:%M"),
                "contact_window_end": format(profile.contact_window_end, "%H:%M"),
                "key": zone.key,
            }
        )


@audited_atomic
def request_visit(case, *, by, reason, window_start, window_end, address, agents=(), exception_reason="") -> FieldVisit:
    case_services._require(by, "visits.add_fieldvisit", "request field visits")
    case = CollectionCase.objects.select_for_update().select_related("account__borrower").get(pk=case.pk)
    case_services._require_case_access(by, case)
    if not reason.strip() or not address.strip():
        raise VisitRefused(_("Say why the visit is needed and where it is."))
    profile = case.policy_profile
    hard = list(_hard_limits(case, profile))
    if hard:
        raise VisitRefused(" ".join(hard))
    _check_window(case, window_start, window_end)
    snapshot = eligibility(case)
    failed = [check for check in snapshot["checks"] if not check["passed"]]
    if failed and not exception_reason.strip():
        raise VisitRefused(
            _("Not eligible for a field visit: %(items)s") % {"items": " ".join(c["explanation"] for c in failed)},
            failed,
        )
    if failed:
        case_services._require(by, "visits.request_visit_exception", "request a visit as an exception")
    visit = FieldVisit(
        case=case,
        requested_by=by,
        reason=reason,
        eligibility=snapshot,
        exception=bool(failed),
        exception_reason=exception_reason if failed else "",
        window_start=window_start,
        window_end=window_end,
        address=address,
    )
    visit._history_user = by
    visit.save()
    if agents:
        visit.agents.set(agents)
    _event(visit, by, "requested" + (" as a documented exception (flagged for compliance)" if failed else ""))
    return visit


def _transition(visit, name, *, by, reason=""):
    """Apply one visit transition: lock, permission, guards (with their sentences)."""
    visit = FieldVisit.objects.select_for_update().select_related("case__account__borrower").get(pk=visit.pk)
    if by is not None and not _is_assigned_agent(by, visit):
        case_services._require_case_access(by, visit.case)
    found = next((t for t in visit.get_all_state_transitions() if t.name == name and t.source == visit.state), None)
    if found is None:
        raise VisitRefused(
            _("A visit that is %(lower)s cannot be %(replace)s.")
            % {"lower": visit.get_state_display().lower(), "replace": name.replace("_", " ")}
        )
    if by is not None and not found.has_perm(visit, by):
        raise NotPermitted(
            _("%(username)s may not %(replace)s this visit.")
            % {"username": by.get_username(), "replace": name.replace("_", " ")}
        )
    failed = [r for r in (c.evaluate(visit) for c in found.conditions) if not r.passed]
    if failed:
        raise VisitRefused(" ".join(r.explanation for r in failed), failed)
    getattr(visit, name)()
    visit._history_user = by
    visit._change_reason = reason[:100] or name
    visit.save()
    _event(visit, by, reason or name.replace("_", " "))
    return visit


def _is_assigned_agent(user, visit) -> bool:
    return visit.agents.filter(user=user).exists()


@audited_atomic
def approve_visit(visit, *, by, note="", agents=None) -> FieldVisit:
    """A second person approves; the case climbs to the field-visit rung."""
    if agents is not None:
        FieldVisit.objects.get(pk=visit.pk).agents.set(agents)
    visit = _transition(visit, "approve", by=by, reason=note or "approved")
    visit.approver, visit.decided_at, visit.decision_note = by, timezone.now(), note
    visit.save(update_fields=["approver", "decided_at", "decision_note"])
    case = CollectionCase.objects.get(pk=visit.case_id)
    if case.state == CaseState.WRITTEN_NOTICE:
        case_services.apply_transition(
            case, "escalate_to_field_visit", by=by, reason=f"Field visit {visit.pk} approved by {by.get_username()}."
        )
    return visit


@audited_atomic
def reject_visit(visit, *, by, why) -> FieldVisit:
    if not why.strip():
        raise VisitRefused(_("Say why the visit is rejected."))
    visit = _transition(visit, "reject", by=by, reason=why)
    visit.approver, visit.decided_at, visit.decision_note, visit.end_reason = by, timezone.now(), why, why
    visit.save(update_fields=["approver", "decided_at", "decision_note", "end_reason"])
    return visit


def _visit_context(visit) -> dict:
    zone = borrower_zone(visit.case)
    start, end = visit.window_start.astimezone(zone), visit.window_end.astimezone(zone)
    return {
        "visit_window": f"{start:%Y-%m-%d %H:%M}–{end:%H:%M}",
        "visit_purpose": "repayment discussion / 还款协商",
        "agent_badges": ", ".join(a.badge_number for a in visit.agents.all()),
        "verification_code": visit.verification_code,
        "verify_url": settings.VISIT_VERIFY_URL,
    }


@audited_atomic
def send_notice(visit) -> list[OutboundMessage]:
    """Put the pre-visit notice in the outbox (by the profile's channels). The visit
    becomes 'notified' once the outbox has actually sent it (sync_notices)."""
    visit = FieldVisit.objects.select_for_update().select_related("case__account__borrower").get(pk=visit.pk)
    if visit.state != VisitState.APPROVED:
        raise VisitRefused(_("Only an approved visit is announced."))
    case = visit.case
    borrower = case.account.borrower
    points = list(borrower.contact_points.all())
    templates = approved_templates()
    messages = []
    for channel in visit.profile.visit_notice_channels.split():
        kind = {"sms": "phone", "letter": "postal", "email": "email"}[channel]
        template = template_for(f"visit_notice_{channel}", borrower.language, templates)
        point = best_point(points, kind)
        if template is None or point is None:
            continue
        now = timezone.now()
        message = OutboundMessage(
            case=case,
            channel=channel,
            template=template,
            contact_point=point,
            slot=now,
            scheduled_for=now,
            purpose=OutboundMessage.Purpose.VISIT_NOTICE,
            context=_visit_context(visit),
            idempotency_key=OutboundMessage.key_for(case.pk, template.pk, now, f"-visit{visit.pk}"),
        )
        message.save()
        VisitNotice.objects.create(visit=visit, message=message, kind=VisitNotice.Kind.ANNOUNCEMENT)
        messages.append(message)
    if not messages:
        raise VisitRefused(
            _("No approved notice template or usable contact point for the borrower: the visit cannot be announced.")
        )
    visit.notice_channels = " ".join(m.channel for m in messages)
    visit.save(update_fields=["notice_channels"])
    _event(visit, None, f"notice queued by {visit.notice_channels}")
    return messages


def sync_notices() -> dict[str, int]:
    """The notices job: announce approved visits, and mark visits notified once a notice
    has left (the first sent time is the notice time)."""
    counts = {"queued": 0, "notified": 0, "not_possible": 0}
    for visit in FieldVisit.objects.filter(state=VisitState.APPROVED, notice_channels=""):
        try:
            send_notice(visit)
            counts["queued"] += 1
        except VisitRefused:
            counts["not_possible"] += 1
    first_sent = (
        VisitNotice.objects.filter(
            kind=VisitNotice.Kind.ANNOUNCEMENT,
            message__state__in=[OutboundMessage.State.SENT, OutboundMessage.State.DELIVERED],
        )
        .filter(visit__state=VisitState.APPROVED)
        .exclude(visit__notice_channels="")
        .select_related("message", "visit")
        .order_by("visit_id", "message__sent_at")
    )
    sent_by_visit = {}
    for notice in first_sent:
        sent_by_visit.setdefault(notice.visit_id, notice)
    for notice in sent_by_visit.values():
        visit, sent = notice.visit, notice.message
        with transaction.atomic(), sealing_deferred():
            FieldVisit.objects.filter(pk=visit.pk).update(notice_sent_at=sent.sent_at)
            try:
                _transition(visit, "mark_notified", by=None, reason=f"notice sent by {sent.channel}")
                counts["notified"] += 1
            except VisitRefused:
                # Sent too late for the announced window: the visit cannot go ahead.
                cancel_visit(
                    visit, by=None, why="The notice left too late for the announced window.", tell_borrower=True
                )
    return counts


def check_in(visit, *, by, lat=None, lon=None) -> FieldVisit:
    """An assigned agent arrives: inside the window, with enough colleagues, and only if the
    contact rules allow it now. A refusal by the rules is recorded like any other."""
    if not _is_assigned_agent(by, visit):
        raise NotPermitted(_("%(username)s is not assigned to this visit.") % {"username": by.get_username()})
    try:
        with transaction.atomic(), sealing_deferred():
            visit = _transition(visit, "check_in", by=by, reason="checked in")
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
    visit = _transition(visit, "complete", by=by, reason="report filed")
    visit.attempt = attempt
    if report.get("promise_amount"):
        visit.promise = case_services.record_promise(
            case, report["promise_amount"], report["promise_due"], by=by, note=f"Agreed on field visit {visit.pk}."
        )
    elif report.get("installments"):
        visit.plan = case_services.agree_repayment_plan(
            case, report["installments"], by=by, note=f"Agreed on field visit {visit.pk}."
        )
    visit.save(update_fields=["attempt", "promise", "plan"])
    return visit


@audited_atomic
def abort_visit(visit, *, by, why) -> FieldVisit:
    if not why.strip():
        raise VisitRefused(_("Say why the visit was aborted."))
    if not _is_assigned_agent(by, visit):
        raise NotPermitted(_("%(username)s is not assigned to this visit.") % {"username": by.get_username()})
    visit = _transition(visit, "abort", by=by, reason=why)
    FieldVisit.objects.filter(pk=visit.pk).update(end_reason=why)
    return visit


@audited_atomic
def cancel_visit(visit, *, by, why, tell_borrower=True) -> FieldVisit:
    """Called off before it happens. If the borrower was (or is being) told of it, they are
    told it is off — a required notice that goes even through holds."""
    visit = FieldVisit.objects.select_for_update().get(pk=visit.pk)
    announced = bool(visit.notice_channels)
    visit = _transition(visit, "cancel", by=by, reason=why)
    FieldVisit.objects.filter(pk=visit.pk).update(end_reason=why)
    OutboundMessage.objects.filter(visit_notice__visit=visit, state=OutboundMessage.State.SCHEDULED).update(
        state=OutboundMessage.State.SUPPRESSED, suppressed_reasons=["visit_cancelled"]
    )
    if announced and tell_borrower:
        _queue_cancellation_notice(visit)
    return visit


def _queue_cancellation_notice(visit):
    case = visit.case
    borrower = case.account.borrower
    template = template_for("visit_cancelled", borrower.language, approved_templates())
    point = best_point(list(borrower.contact_points.all()), "phone")
    if template is None or point is None:
        return
    now = timezone.now()
    message = OutboundMessage.objects.create(
        case=case,
        channel=Channel.SMS,
        template=template,
        contact_point=point,
        slot=now,
        scheduled_for=now,
        purpose=OutboundMessage.Purpose.VISIT_NOTICE,
        context=_visit_context(visit),
        idempotency_key=OutboundMessage.key_for(case.pk, template.pk, now, f"-visit{visit.pk}-cancelled"),
    )
    VisitNotice.objects.create(visit=visit, message=message, kind=VisitNotice.Kind.CANCELLATION)
