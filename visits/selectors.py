from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import ContactPoint
from cases.selectors import borrower_zone
from contacts import engine
from policy.codes import Channel

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


@dataclass
class VisitCard:
    """One visit as the agent's phone shows it: what to do next and everything needed on
    the way, judged at ``at``."""

    visit: FieldVisit
    zone: ZoneInfo  # the borrower's: the window is the one their notice gave
    phone: ContactPoint | None
    call: engine.Decision | None  # may the agent phone ahead now?
    at: datetime

    @property
    def borrower(self):
        return self.visit.case.account.borrower

    @property
    def account(self):
        return self.visit.case.account

    @property
    def window_open(self) -> bool:
        return self.visit.window_start <= self.at <= self.visit.window_end

    @property
    def window_passed(self) -> bool:
        return self.at > self.visit.window_end

    @property
    def may_call(self) -> bool:
        return self.phone is not None and self.call is not None and self.call.allowed

    @property
    def why_no_call(self) -> list[str]:
        if self.phone is None:
            return [str(_("No valid phone number on file."))]
        return list(self.call.explanations) if self.call else []

    @property
    def map_url(self) -> str:
        visit = self.visit
        if visit.address_latitude is not None and visit.address_longitude is not None:
            return settings.VISIT_MAP_POINT_URL.format(lat=visit.address_latitude, lon=visit.address_longitude)
        return settings.VISIT_MAP_SEARCH_URL.format(query=quote(visit.address))


def agent_cards(user, at: datetime | None = None) -> list[VisitCard]:
    """The agent's live visits, soonest first, each with the phone to call ahead on and the
    engine's word on a call now: a fixed number of queries however many visits."""
    at = at or timezone.now()
    visits = list(
        visits_for_agent(user).prefetch_related(
            Prefetch(
                "case__account__borrower__contact_points",
                queryset=ContactPoint.objects.order_by("-is_primary", "pk"),
            )
        )
    )
    phones = {}
    for visit in visits:
        points = visit.case.account.borrower.contact_points.all()
        phones[visit.case_id] = next(
            (p for p in points if p.kind == "phone" and p.owner == ContactPoint.Owner.BORROWER and not p.is_invalid),
            None,
        )
    cases = [visit.case for visit in visits]
    decisions = engine.evaluate_many(cases, Channel.PHONE_CALL, at, phones) if cases else {}
    return [
        VisitCard(
            visit=visit,
            zone=decisions[visit.case_id].borrower_zone or borrower_zone(visit.case),
            phone=phones[visit.case_id],
            call=decisions[visit.case_id],
            at=at,
        )
        for visit in visits
    ]
