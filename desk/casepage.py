"""What the case desk shows, read in a fixed number of queries: the borrower and the
money, the state that changes what a collector may do (holds, promises, plans, callbacks,
visits), the compliance banner, the steps up the ladder, and the timeline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Exists, OuterRef
from django.utils import timezone

from cases import limitation_text
from cases.admin.access import can_see_full_contact_details, can_see_full_national_id
from cases.models import CollectionCase, Hold, PromiseToPay, RepaymentPlan
from cases.selectors import candidate_zones, case_timeline, visible_cases
from cases.services import transition_label
from contacts import engine
from contacts.models import Callback
from policy.codes import Channel
from visits.models import FieldVisit, VisitState

from .forms import CONTACT_CHANNELS

# Visits the desk shows as standing: asked for, approved, announced or under way.
OPEN_VISIT_STATES = [VisitState.REQUESTED, VisitState.APPROVED, VisitState.NOTIFIED, VisitState.IN_PROGRESS]


@dataclass
class BannerLine:
    """One way to reach the borrower, judged now."""

    channel: str
    channel_label: str
    point: object
    shown_value: str
    decision: engine.Decision

    @property
    def route(self) -> str:
        return f"{self.channel}:{self.point.pk}"


@dataclass
class Step:
    name: str
    label: str
    needs_reason: bool
    blocked_because: list[str]


def _standing_rows(case, now) -> dict:
    """What ``standing`` lists, by name: ``case`` may be an OuterRef (``load_case``)."""
    return {
        "holds": Hold.objects.filter(case=case).active(now),
        "promises": PromiseToPay.objects.filter(case=case, status=PromiseToPay.Status.PENDING),
        "plans": RepaymentPlan.objects.filter(case=case),
        "callbacks": Callback.objects.pending().filter(case=case),
        "visits": FieldVisit.objects.filter(case=case, state__in=OPEN_VISIT_STATES),
    }


def load_case(user, case_id) -> CollectionCase:
    """The case with what its desk shows, if ``user`` may see it (else DoesNotExist).
    Whether it has holds, promises, plans, a callback or visits comes with it (``has_…``):
    most cases have none, and ``standing`` then asks nothing more."""
    present = {
        f"has_{name}": Exists(rows.order_by().values("pk"))
        for name, rows in _standing_rows(OuterRef("pk"), timezone.now()).items()
    }
    return (
        visible_cases(user)
        .select_related("account__borrower", "assigned_collector")
        .prefetch_related("account__borrower__contact_points")
        .annotate(**present)
        .get(pk=case_id)
    )


def show_point_for(user):
    full = can_see_full_contact_details(user)
    return lambda point: point.value if full else point.masked_value


def banner(case, user, at: datetime | None = None) -> list[BannerLine]:
    """For each contact point and each channel it serves, may the collector use it now?
    The engine reads the facts every route shares once (its fixed handful of queries)."""
    at = at or timezone.now()
    show = show_point_for(user)
    routes = [
        (channel, point)
        for point in case.account.borrower.contact_points.all()
        for channel in CONTACT_CHANNELS.get(point.kind, ())
    ]
    decisions = engine.evaluate_routes(case, routes, at)
    lines = [
        BannerLine(channel, Channel(channel).label, point, show(point), decision)
        for (channel, point), decision in zip(routes, decisions, strict=True)
    ]
    order = list(Channel.values)
    lines.sort(key=lambda line: (order.index(line.channel), not line.point.is_primary, line.point.pk))
    return lines


def preselected_route(lines: list[BannerLine]) -> str | None:
    """The route the log form opens on: the first phone call allowed now (primary first),
    else the primary phone's call, else whatever comes first."""
    calls = [line for line in lines if line.channel == Channel.PHONE_CALL]
    for line in calls:
        if line.decision.allowed and line.point.owner == "borrower":
            return line.route
    return (calls or lines)[0].route if lines else None


def steps(case, user) -> tuple[list[Step], list[Step]]:
    """The ladder steps this user could take by hand from here: possible now, and
    blocked with the reasons (guards in words)."""
    possible, blocked = [], []
    if not case.is_open:
        return possible, blocked
    for transition in case.get_all_state_transitions():
        if transition.source != case.state or transition.custom.get("admin") is False:
            continue
        if not transition.has_perm(case, user):
            continue
        failed = [r.explanation for r in (c.evaluate(case) for c in transition.conditions) if not r.passed]
        step = Step(transition.name, transition_label(transition.name), bool(transition.custom.get("form")), failed)
        (blocked if failed else possible).append(step)
    return possible, blocked


def standing(case) -> dict:
    """What changes the collector's hand: live holds, promises, plans, a callback, visits."""
    now = timezone.now()
    rows = _standing_rows(case, now)

    def read(name):  # a table the case has nothing in (load_case says) is not asked
        return list(rows[name]) if getattr(case, f"has_{name}", True) else []

    holds = read("holds")
    # Every plan of the case in one query (a case has a handful), split here.
    live = {RepaymentPlan.Status.ACTIVE, RepaymentPlan.Status.PROPOSED}
    rows["plans"] = rows["plans"].order_by("pk").prefetch_related("installments")
    plans = read("plans")
    return {
        "holds": holds,
        "cease": any(h.kind == Hold.Kind.CEASE_COMMUNICATION for h in holds),
        "promises": read("promises"),
        "plans": [plan for plan in plans if plan.status in live],
        "recent_plans": [plan for plan in plans if plan.status not in live][:3],
        "callback": (read("callbacks") or [None])[0],
        "visits": read("visits"),
        "now": now,
    }


def case_desk(case, user) -> dict:
    borrower = case.account.borrower
    profile = case.policy_profile
    zones = candidate_zones(borrower, list(borrower.contact_points.all()), profile)
    lines = banner(case, user)
    possible, blocked = steps(case, user)
    return {
        "case": case,
        "account": case.account,
        "borrower": borrower,
        "profile": profile,
        "zones": zones,
        "national_id": borrower.national_id if can_see_full_national_id(user) else borrower.national_id_masked,
        "limitation": limitation_text.describe(case.account.limitation(profile), today=timezone.localdate()),
        "banner": lines,
        "any_allowed": any(line.decision.allowed for line in lines),
        "preselect": preselected_route(lines),
        "steps": possible,
        "blocked_steps": blocked,
        "timeline": case_timeline(case),
        **standing(case),
    }
