"""
Asking for a visit and deciding on it: the eligibility snapshot kept with a request, the
limits no exception overrules, the announced window, and approval or rejection by a
second person.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.ledger import audited_atomic
from cases import guards as case_guards
from cases import services as case_services
from cases.event_text import EventCode
from cases.models import LADDER, CaseState, CollectionCase
from cases.selectors import borrower_zone

from .. import signals
from ..models import COUNTED_STATES, FieldAgent, FieldVisit
from .workflow import VisitRefused, _event, _transition


def failed_attempts_by_channel(case, days: int) -> dict[str, int]:
    since = timezone.now() - timedelta(days=days)
    rows = case.contact_attempts.failed_remote(since).values("channel").annotate(n=Count("pk"))
    return {row["channel"]: row["n"] for row in rows}


def covering_agents(region: str):
    return [agent for agent in FieldAgent.objects.filter(active=True).select_related("user") if agent.covers(region)]


def region_explanation(check: dict) -> str:
    """The region check's sentence, in the current language, from its inputs."""
    inputs = check.get("inputs") or {}
    region = inputs.get("region") or _("(unknown)")
    if check.get("passed"):
        return _("Region %(region)s: covered by %(agents)s.") % {
            "region": region,
            "agents": ", ".join(inputs.get("agents") or []),
        }
    return _("Region %(region)s: no field partner or own staff covers it.") % {"region": region}


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
    region_check = {
        "rule": "region_covered",
        "passed": bool(agents),
        "inputs": {"region": region, "agents": [a.badge_number for a in agents]},
    }
    checks.append({**region_check, "explanation": region_explanation(region_check)})
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
    # The address's position, when the lender's feed gave one for this very address: the
    # check-in's distance is measured against it (nothing here geocodes).
    position = (
        case.account.borrower.contact_points.filter(kind="postal", value=address.strip(), latitude__isnull=False)
        .values_list("latitude", "longitude")
        .first()
    )
    if position is not None:
        visit.address_latitude, visit.address_longitude = position
    visit._history_user = by
    visit.save()
    if agents:
        visit.agents.set(agents)
    _event(visit, by, EventCode.VISIT_REQUESTED_AS_EXCEPTION if failed else EventCode.VISIT_REQUESTED)
    signals.visit_requested.send(sender=FieldVisit, visit=visit, by=by)
    return visit


@audited_atomic
def approve_visit(visit, *, by, note="", agents=None) -> FieldVisit:
    """A second person approves; the case climbs to the field-visit rung."""
    if agents is not None:
        FieldVisit.objects.get(pk=visit.pk).agents.set(agents)
    visit = _transition(visit, "approve", by=by, code=EventCode.VISIT_APPROVED, note=note)
    visit.approver, visit.decided_at, visit.decision_note = by, timezone.now(), note
    visit.save(update_fields=["approver", "decided_at", "decision_note"])
    case = CollectionCase.objects.get(pk=visit.case_id)
    if case.state == CaseState.WRITTEN_NOTICE:
        case_services.apply_transition(
            case,
            "escalate_to_field_visit",
            by=by,
            code=EventCode.AFTER_VISIT_APPROVED,
            params={"visit": visit.pk, "username": by.get_username()},
        )
    signals.visit_decided.send(sender=FieldVisit, visit=visit, by=by, approved=True)
    return visit


@audited_atomic
def reject_visit(visit, *, by, why) -> FieldVisit:
    if not why.strip():
        raise VisitRefused(_("Say why the visit is rejected."))
    visit = _transition(visit, "reject", by=by, code=EventCode.VISIT_REJECTED, note=why)
    visit.approver, visit.decided_at, visit.decision_note, visit.end_reason = by, timezone.now(), why, why
    visit.save(update_fields=["approver", "decided_at", "decision_note", "end_reason"])
    signals.visit_decided.send(sender=FieldVisit, visit=visit, by=by, approved=False)
    return visit
