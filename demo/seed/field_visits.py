"""
The demo's field visits: the field agents, visits an agent can work in the coming days,
and one request waiting in the supervisor's inbox — and the one announced visit kept open
for a demo (``ensure_visit_in_window``), which seed_demo refreshes on every run (so on
every ``make run``) and ``manage.py demo_visit`` on demand: a verification code only
works inside its visit's window, so a code printed once goes stale within hours.
"""

from datetime import datetime, time, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from audit.ledger import sealing_deferred
from cases.models import CaseState, CollectionCase
from contacts.engine import evaluate, load_facts, next_open_instant
from policy.codes import Channel, Reason
from visits.models import LIVE_STATES, FieldAgent, FieldVisit, VisitState
from visits.services import eligibility

from .book import LOAN_PREFIX

SHANGHAI = ZoneInfo("Asia/Shanghai")
DEMO_AGENTS = ("fieldagent1", "fieldagent2")
DEMO_REQUESTER, DEMO_APPROVER = "collector1", "supervisor1"
ADDRESS = "上海市黄浦区人民路1号"
# The window the demo opens: from half an hour ago to two hours on (an agent may announce
# at most four hours, visits/services/request.py), cut to the day's visiting hours.
WINDOW_BEFORE, WINDOW_AFTER = timedelta(minutes=30), timedelta(hours=2)
# A window with less left than this is no use for a demo: open another.
TIME_TO_TRY = timedelta(minutes=30)


class DemoWindow(NamedTuple):
    start: datetime
    end: datetime
    open_now: bool  # False: visiting hours are closed now, and this is their next opening


def announce_demo_visit(case, *, start, end, requested_by, approver, agents, now, why="") -> FieldVisit:
    """An approved and announced visit, written directly as the rest of the demo book is
    (its case was placed on the field-visit rung directly too). The notice left at least
    the profile's lead time before the window, so the check-in guards hold."""
    lead = timedelta(hours=case.policy_profile.visit_notice_lead_hours)
    visit = FieldVisit(
        case=case,
        state=VisitState.NOTIFIED,
        requested_by=requested_by,
        reason="Numbers changed; letters unanswered.",
        eligibility=eligibility(case),
        approver=approver,
        decided_at=min(now - timedelta(days=4), start - lead - timedelta(days=1)),
        window_start=start,
        window_end=end,
        address=ADDRESS,
        notice_sent_at=min(now - timedelta(days=3), start - lead),
        notice_channels="sms letter",
    )
    if why:
        visit._change_reason = why
    visit.save()
    visit.agents.set(agents)
    return visit


def demo_visits():
    """The demo's announced visits to CN borrowers at home in Shanghai, earliest window first."""
    return (
        FieldVisit.objects.filter(
            state=VisitState.NOTIFIED,
            case__account__loan_number__startswith=LOAN_PREFIX,
            case__account__borrower__policy_profile_code="CN",
            case__account__borrower__home_time_zone=SHANGHAI.key,
        )
        .select_related("case__account__borrower")
        .order_by("window_start", "pk")
    )


def cases_to_visit():
    """The demo's CN cases (borrower at home in Shanghai) on the field-visit rung with no live visit."""
    return (
        CollectionCase.objects.filter(
            state=CaseState.FIELD_VISIT,
            account__loan_number__startswith=LOAN_PREFIX,
            account__borrower__policy_profile_code="CN",
            account__borrower__home_time_zone=SHANGHAI.key,
        )
        .exclude(field_visits__state__in=LIVE_STATES)
        .select_related("account__borrower")
        .order_by("pk")
    )


def demo_window(case, now) -> DemoWindow | None:
    """Where the demo's open visit goes: around ``now`` while visiting hours leave time to
    try it, else at their next opening. Visiting hours are what the compliance engine
    judges a field visit by: the profile's contact window in the borrower's zone, on no
    holiday or closed weekday (contacts/engine/hours.py)."""
    (facts,) = load_facts([case], Channel.FIELD_VISIT, now, {})
    profile = facts.profile

    def closing(instant):
        return datetime.combine(instant.astimezone(SHANGHAI).date(), profile.contact_window_end, tzinfo=SHANGHAI)

    opens = next_open_instant(facts, now)
    if opens == now and closing(now) - now < TIME_TO_TRY:
        opens = next_open_instant(facts, closing(now))
    if opens is None:
        return None
    hours_start = datetime.combine(opens.astimezone(SHANGHAI).date(), profile.contact_window_start, tzinfo=SHANGHAI)
    if opens == now:
        return DemoWindow(max(now - WINDOW_BEFORE, hours_start), min(now + WINDOW_AFTER, closing(now)), True)
    return DemoWindow(opens, min(opens + WINDOW_AFTER, closing(opens)), False)


def _visit_allowed(case, at) -> bool:
    """The compliance engine would let the agents in at ``at`` (holds, caps, hours), the
    visit itself aside: a case still waiting for one has none approved yet."""
    decision = evaluate(case, Channel.FIELD_VISIT, at)
    return set(decision.reasons) <= {Reason.NO_APPROVED_VISIT}


def _ready_at(visit, at, agents) -> bool:
    """Covers ``at`` with time left to try it, the notice left in time, both demo agents on it."""
    lead = timedelta(hours=visit.profile.visit_notice_lead_hours)
    return (
        visit.window_start <= at
        and visit.window_end - at >= TIME_TO_TRY
        and visit.notice_sent_at is not None
        and visit.notice_sent_at + lead <= visit.window_start
        and set(agents) <= set(visit.agents.all())
    )


def _move(visit, window, agents) -> FieldVisit:
    lead = timedelta(hours=visit.profile.visit_notice_lead_hours)
    visit.window_start, visit.window_end = window.start, window.end
    if visit.notice_sent_at is None or visit.notice_sent_at > window.start - lead:
        visit.notice_sent_at = window.start - lead
    visit._change_reason = (
        "Demo: window moved to now" if window.open_now else "Demo: window moved to the next visiting hours"
    )
    visit.save(update_fields=["window_start", "window_end", "notice_sent_at"])
    visit.agents.add(*agents)  # recorded by the visit's history (its agents are tracked)
    return visit


def ensure_visit_in_window(now=None) -> FieldVisit | None:
    """One announced demo visit that fieldagent1 and fieldagent2 can check in to now, or,
    when Shanghai is outside visiting hours, at their next opening. Keeps a visit that is
    already so; else moves the earliest announced demo visit (whose case the engine would
    let the agents visit) to the window; else announces one on a demo case waiting on the
    field-visit rung. None when there is no demo book to take it from."""
    now = now or timezone.now()
    agents = list(FieldAgent.objects.filter(user__username__in=DEMO_AGENTS, active=True).order_by("pk"))
    people = {user.username: user for user in User.objects.filter(username__in=[DEMO_REQUESTER, DEMO_APPROVER])}
    visits = list(demo_visits())
    waiting = list(cases_to_visit())
    cases = [visit.case for visit in visits] + waiting
    if len(agents) < len(DEMO_AGENTS) or len(people) < 2 or not cases:
        return None
    window = demo_window(cases[0], now)
    if window is None:
        return None
    at = now if window.open_now else window.start
    for visit in visits:
        if _ready_at(visit, at, agents) and _visit_allowed(visit.case, at):
            return visit
    with transaction.atomic(), sealing_deferred():
        for visit in visits:
            if _visit_allowed(visit.case, at):
                return _move(visit, window, agents)
        for case in waiting:
            if _visit_allowed(case, at):
                return announce_demo_visit(
                    case,
                    start=window.start,
                    end=window.end,
                    requested_by=people[DEMO_REQUESTER],
                    approver=people[DEMO_APPROVER],
                    agents=agents,
                    now=now,
                    why="Demo: visit announced for now"
                    if window.open_now
                    else "Demo: visit announced for the next visiting hours",
                )
    return None


def describe_demo_visit(visit, now=None) -> str:
    """The console line naming the visit's code and its window in Shanghai time."""
    now = now or timezone.now()
    start, end = visit.window_start.astimezone(SHANGHAI), visit.window_end.astimezone(SHANGHAI)
    agents = "/".join(sorted(visit.agents.values_list("user__username", flat=True)))
    if visit.window_start <= now:
        return (
            f"A visit open now for the field agents ({agents}), Shanghai {start:%H:%M}–{end:%H:%M}: "
            f"code {visit.verification_code} — try it at /verify/"
        )
    today = now.astimezone(SHANGHAI).date()
    day = {today: "today", today + timedelta(days=1): "tomorrow"}.get(start.date(), f"on {start:%Y-%m-%d}")
    return (
        f"It is {now.astimezone(SHANGHAI):%H:%M} in Shanghai, outside visiting hours. The visit for the field agents "
        f"({agents}) opens {day}, Shanghai {start:%H:%M}–{end:%H:%M}: code {visit.verification_code} — try it at "
        f"/verify/ then (until then the page says it is outside its window)."
    )


class DemoVisits:
    """A part of the seed_demo command (mixed into its Command): the field agents and visits."""

    def add_visits(self, users):
        """Field agents, visits an agent can work in the coming days, and one request in the
        inbox. The visit open now is ``ensure_visit_in_window``'s, which seed_demo calls next."""
        regions = "Beijing, Shanghai, Guangdong, Sichuan"
        agents = [
            FieldAgent.objects.create(user=users[name], badge_number=badge, regions=regions)
            for name, badge in (("fieldagent1", "FA-1001"), ("fieldagent2", "FA-1002"))
        ]
        supervisor, collectors = users["supervisor1"], [users["collector1"], users["collector2"]]
        now = timezone.now()
        today_10 = datetime.combine(timezone.localdate(), time(10), tzinfo=SHANGHAI)
        on_rung = CollectionCase.objects.filter(
            state=CaseState.FIELD_VISIT,
            account__borrower__policy_profile_code="CN",
            account__loan_number__startswith=LOAN_PREFIX,
        ).select_related("account")
        for index, case in enumerate(on_rung):
            start = today_10 + timedelta(days=1 + index % 3, hours=(index % 2) * 4)
            announce_demo_visit(
                case,
                start=start,
                end=start + timedelta(hours=2),
                requested_by=collectors[index % 2],
                approver=supervisor,
                agents=agents,
                now=now,
            )
        pending = (
            CollectionCase.objects.filter(
                state=CaseState.WRITTEN_NOTICE,
                account__loan_number__startswith=LOAN_PREFIX,
                account__borrower__policy_profile_code="CN",
            )
            .select_related("account__borrower")
            .first()
        )
        if pending is not None:
            start = today_10 + timedelta(days=4)
            # Requested by the second supervisor: supervisor1 can approve it (never one's own).
            FieldVisit.objects.create(
                case=pending,
                requested_by=users["supervisor2"],
                reason="Borrower asked to sign a plan in person.",
                eligibility=eligibility(pending),
                exception=True,
                exception_reason="Borrower asked for the visit; documented on the call of the 18th.",
                window_start=start,
                window_end=start + timedelta(hours=2),
                address="北京市朝阳区建国路88号",
            )
