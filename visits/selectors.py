from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone

from cases.selectors import borrower_zone

from .models import LIVE_STATES, FieldAgent, FieldVisit, VisitState


def visits_with_details():
    return FieldVisit.objects.select_related("case__account__borrower", "requested_by", "approver").prefetch_related(
        Prefetch("agents", queryset=FieldAgent.objects.select_related("user"))
    )


def pending_requests():
    return visits_with_details().filter(state=VisitState.REQUESTED).order_by("requested_at")


def visits_for_agent(user):
    """The visits this agent is assigned to that are still to do, soonest first."""
    return visits_with_details().filter(agents__user=user, state__in=LIVE_STATES).order_by("window_start").distinct()


def verification(code: str) -> dict:
    """What the borrower may see for a code: who, badge, photo, lender, window. Nothing
    about the debt, nothing about the borrower."""
    visit = (
        FieldVisit.objects.filter(verification_code=code.strip().upper())
        .prefetch_related(Prefetch("agents", queryset=FieldAgent.objects.select_related("user")))
        .first()
    )
    if visit is None:
        return {"status": "unknown"}
    now = timezone.now()
    agents = [
        {"name": a.display_name, "badge": a.badge_number, "photo": _photo_url(visit, a), "partner": a.partner}
        for a in visit.agents.all()
    ]
    # In the borrower's own time, as on their notice (the page's viewer is the borrower).
    zone = borrower_zone(visit.case)
    start, end = visit.window_start.astimezone(zone), visit.window_end.astimezone(zone)
    base = {"agents": agents, "window": f"{start:%Y-%m-%d %H:%M}–{end:%H:%M} ({start.tzname()})"}
    if visit.state not in (VisitState.NOTIFIED, VisitState.IN_PROGRESS):
        return {"status": "not_active", **base}
    if not (visit.window_start <= now <= visit.window_end):
        return {"status": "out_of_window", **base}
    return {"status": "valid", **base}


def _photo_url(visit, agent) -> str:
    return reverse("verify_photo", args=[visit.verification_code, agent.pk]) if agent.photo else ""


def visiting_agent(code: str, agent_id: int):
    """The agent ``agent_id`` of the visit with this code, with a photo, while the borrower's
    page shows the visit as valid (announced or under way, and now inside its window)."""
    now = timezone.now()
    visit = FieldVisit.objects.filter(
        verification_code=code.strip().upper(),
        state__in=[VisitState.NOTIFIED, VisitState.IN_PROGRESS],
        window_start__lte=now,
        window_end__gte=now,
    ).first()
    if visit is None:
        return None
    return visit.agents.exclude(photo="").filter(pk=agent_id).first()
