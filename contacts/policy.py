"""
The compliance engine: may this contact happen now, and if not, why and when?

``evaluate(case, channel, at, ...)`` returns a Decision (allowed, reasons, the plain-words
explanations, next_allowed_at). It works in two steps:

1. ``load_facts`` gathers everything the rules need for one case or a whole work queue in
   a fixed handful of queries (counts are SQL aggregates, never a Python loop over the
   contact history), so its cost does not grow with the history or the queue.
2. Each rule below is a small pure function of those facts returning a Refusal (reason
   code, explanation, earliest instant it would allow, or None when waiting alone will
   not help) or nothing. Adding a rule is adding a function to RULES and a test.

Every number comes from the borrower's policy profile (POLICY.md); comments cite the rule.
Inbound contacts (the borrower calling us) are not judged.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone as dt_timezone
from zoneinfo import ZoneInfo

from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from cases.models import CLOSED_STATES, LADDER, CaseState, CollectionCase, ContactPoint, Hold

from .models import (
    BORROWER_REACHED, CHANNEL_POINT_KIND, CONNECTED, FAILED_REMOTE, UNANSWERED, Channel, ChannelOptOut,
    ContactAttempt, MessageTemplate, Outcome, PolicyProfile, Reason,
)
from .selectors import current_profiles_by_code

# The lowest rung on which each channel may be used (DESIGN.md ladder).
CHANNEL_MIN_RUNG = {
    Channel.SMS: CaseState.REMINDER,
    Channel.EMAIL: CaseState.REMINDER,
    Channel.SOCIAL: CaseState.REMINDER,
    Channel.PHONE_CALL: CaseState.PHONE,
    Channel.LETTER: CaseState.WRITTEN_NOTICE,
    Channel.FIELD_VISIT: CaseState.FIELD_VISIT,
}
# Letters are posted, not delivered at the moment of sending: no calling hours.
CHANNELS_WITHOUT_HOURS = {Channel.LETTER}
HISTORY_WINDOW = timedelta(days=30)
WEEK = timedelta(days=7)


class ContactRequestError(ValueError):
    """The request itself is malformed (a point of another borrower, a template of another
    channel): a programming or input error, not a policy refusal."""


@dataclass(frozen=True)
class Refusal:
    reason: str
    explanation: str
    until: datetime | None  # earliest instant this rule allows; None: waiting alone won't do


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reasons: tuple[str, ...]
    explanations: tuple[str, ...]
    next_allowed_at: datetime | None
    profile: PolicyProfile
    overridable: bool = False  # every reason may be overridden by a supervisor under this profile
    zones: tuple[str, ...] = ()  # the borrower's candidate time zones the hours were judged in

    @property
    def borrower_zone(self) -> ZoneInfo | None:
        return ZoneInfo(self.zones[0]) if self.zones else None

    def explain(self) -> str:
        if self.allowed:
            return "Allowed."
        when = (f" Allowed again from {timezone.localtime(self.next_allowed_at):%Y-%m-%d %H:%M %Z}."
                if self.next_allowed_at else " Not allowed until the reasons above are resolved.")
        return " ".join(self.explanations) + when


@dataclass
class Facts:
    """What the rules know about one proposed contact."""

    case: CollectionCase
    channel: str
    at: datetime
    profile: PolicyProfile
    contact_point: ContactPoint | None
    template: MessageTemplate | None
    zones: tuple[str, ...]
    borrower_points: list[ContactPoint]
    active_holds: list[Hold]
    opted_out: bool = False
    outstanding: object = None
    connected_calls_today: int = 0
    unanswered_to_point_today: int = 0
    sms_today: int = 0
    debt_calls_7d: int = 0
    workplace_calls_30d: int = 0
    attempts_7d: int = 0
    last_conversation_at: datetime | None = None
    third_party_contacts: int = 0
    borrower_unreachable: bool = False
    # k-th most recent counted attempt, for "when does a rolling window free a slot"
    kth_recent: dict[str, datetime] = field(default_factory=dict)

    @property
    def day_zone(self) -> ZoneInfo:
        """The zone whose calendar day the daily limits count in: the first candidate."""
        return ZoneInfo(self.zones[0])

    def next_local_midnight(self, days: int = 1, after: datetime | None = None) -> datetime:
        local = (after or self.at).astimezone(self.day_zone)
        return datetime.combine(local.date() + timedelta(days=days), time(0), tzinfo=self.day_zone)


# --- rules ---------------------------------------------------------------------------
# Each takes Facts and returns a Refusal or None. Order is the order reasons are shown.

def case_closed(f: Facts):
    # "After full repayment all contact must stop at once" (DESIGN.md): a paid balance
    # blocks contact even before the case is formally resolved.
    if f.case.state in CLOSED_STATES:
        return Refusal(Reason.CASE_CLOSED, _("The case is %(lower)s.") % {"lower": f.case.get_state_display().lower()}, None)
    if f.outstanding is not None and f.outstanding <= 0:
        return Refusal(Reason.CASE_CLOSED, _("The debt is paid in full."), None)
    return None


def cease_requested(f: Facts):
    # Reg F 1006.6(c): after a cease request only the notices the law requires.
    if any(hold.kind == Hold.Kind.CEASE_COMMUNICATION for hold in f.active_holds):
        if f.template is not None and f.template.is_required_notice:
            return None
        return Refusal(Reason.CEASE_REQUESTED, _("The borrower asked us to stop contacting them."), None)
    return None


def case_on_hold(f: Facts):
    # A notice the borrower must get (e.g. "the announced visit is cancelled") still goes.
    if f.template is not None and f.template.is_required_notice:
        return None
    holds = [hold for hold in f.active_holds if hold.kind != Hold.Kind.CEASE_COMMUNICATION]
    if holds:
        kinds = ", ".join(sorted({hold.get_kind_display().lower() for hold in holds}))
        ends = [hold.ends_at for hold in holds]
        until = None if any(end is None for end in ends) else max(ends)
        return Refusal(Reason.CASE_ON_HOLD, _("The case is on hold (%(kinds)s).") % {"kinds": kinds}, until)
    # The holds decide, not the state: a hold that has ended frees the borrower at once,
    # even before the release job moves the case back to its rung.
    return None


def channel_opt_out(f: Facts):
    point = f.contact_point
    if f.opted_out or (point is not None and point.opted_out):
        return Refusal(Reason.CHANNEL_OPT_OUT,
                       _("The borrower opted out of %(lower)s contact here.") % {"lower": Channel(f.channel).label.lower()}, None)
    return None


def invalid_contact_point(f: Facts):
    if f.contact_point is not None and f.contact_point.is_invalid:
        return Refusal(Reason.INVALID_CONTACT_POINT, _("This contact point is known to be invalid."), None)
    return None


def stage_not_reached(f: Facts):
    rung = f.case.state if f.case.state in LADDER else f.case.ladder_rung
    needed = CHANNEL_MIN_RUNG[f.channel]
    if LADDER.index(rung) < LADDER.index(needed):
        return Refusal(Reason.STAGE_NOT_REACHED,
                       _("%(label)s needs the '%(label2)s' rung; the case is on '%(label3)s'.") % {"label": Channel(f.channel).label, "label2": needed.label, "label3": CaseState(rung).label}, None)
    return None


def no_approved_visit(f: Facts):
    if f.channel == Channel.FIELD_VISIT and not f.case.has_approved_field_visit():
        return Refusal(Reason.NO_APPROVED_VISIT, _("No approved field visit for this case."), None)
    return None


def template_not_approved(f: Facts):
    if f.template is not None and not f.template.is_approved:
        return Refusal(Reason.TEMPLATE_NOT_APPROVED,
                       _("Template %(code)s v%(version)s is not approved by compliance.") % {"code": f.template.code, "version": f.template.version}, None)
    return None


def third_party_limit(f: Facts):
    point = f.contact_point
    if point is None or point.owner != ContactPoint.Owner.THIRD_PARTY:
        return None
    p = f.profile
    if not p.third_party_contact_allowed:
        return Refusal(Reason.THIRD_PARTY_LIMIT, _("This profile allows no third-party contact."), None)
    if p.third_party_max_per_person is not None and f.third_party_contacts >= p.third_party_max_per_person:
        # Reg F 1006.10: a third party is contacted once, for location information.
        return Refusal(Reason.THIRD_PARTY_LIMIT,
                       _("This third party was already contacted %(third_party_contacts)s time(s) (limit %(third_party_max_per_person)s).") % {"third_party_contacts": f.third_party_contacts, "third_party_max_per_person": p.third_party_max_per_person}, None)
    if p.third_party_requires_unreachable and not f.borrower_unreachable:
        # CBA 2026 guideline: third parties only when the borrower is out of contact.
        return Refusal(Reason.THIRD_PARTY_LIMIT,
                       _("The borrower is reachable: third parties only after %(unreachable_failed_calls)s consecutive failed calls or when every number is invalid.") % {"unreachable_failed_calls": p.unreachable_failed_calls}, None)
    return None


def daily_cap(f: Facts):
    p = f.profile
    tomorrow = f.next_local_midnight()
    if f.channel == Channel.PHONE_CALL:
        if p.connected_calls_per_day is not None and f.connected_calls_today >= p.connected_calls_per_day:
            return Refusal(Reason.DAILY_CAP, _("%(connected_calls_today)s connected calls with this borrower today (limit %(connected_calls_per_day)s).") % {"connected_calls_today": f.connected_calls_today, "connected_calls_per_day": p.connected_calls_per_day}, tomorrow)
        if (p.unanswered_calls_per_number_per_day is not None and f.contact_point is not None
                and f.unanswered_to_point_today >= p.unanswered_calls_per_number_per_day):
            return Refusal(Reason.DAILY_CAP, _("%(unanswered_to_point_today)s unanswered calls to this number today (limit %(unanswered_calls_per_number_per_day)s).") % {"unanswered_to_point_today": f.unanswered_to_point_today, "unanswered_calls_per_number_per_day": p.unanswered_calls_per_number_per_day}, tomorrow)
    if f.channel == Channel.SMS and p.sms_per_day is not None and f.sms_today >= p.sms_per_day:
        return Refusal(Reason.DAILY_CAP, _("%(sms_today)s text message(s) to this borrower today (limit %(sms_per_day)s).") % {"sms_today": f.sms_today, "sms_per_day": p.sms_per_day}, tomorrow)
    return None


def _counts_as_debt_call(f: Facts) -> bool:
    return f.channel == Channel.PHONE_CALL or (f.channel == Channel.SMS and f.profile.sms_counts_as_call)


def weekly_cap(f: Facts):
    p = f.profile
    if _counts_as_debt_call(f):
        to_workplace = f.contact_point is not None and f.contact_point.is_workplace
        if p.calls_to_workplace_30d is not None and to_workplace:
            # 940 CMR 7.04(1)(f): 2 calls in 30 days to numbers other than personal ones.
            if f.workplace_calls_30d >= p.calls_to_workplace_30d:
                return Refusal(Reason.WEEKLY_CAP, _("%(workplace_calls_30d)s calls to work numbers in 30 days (limit %(calls_to_workplace_30d)s).") % {"workplace_calls_30d": f.workplace_calls_30d, "calls_to_workplace_30d": p.calls_to_workplace_30d},
                               f.kth_recent["workplace_calls_30d"] + HISTORY_WINDOW)
        elif p.calls_per_debt_7d is not None and f.debt_calls_7d >= p.calls_per_debt_7d:
            # Reg F 1006.14(b)(2)(i): more than 7 calls in 7 days is presumed harassment.
            return Refusal(Reason.WEEKLY_CAP, _("%(debt_calls_7d)s calls about this debt in 7 days (limit %(calls_per_debt_7d)s).") % {"debt_calls_7d": f.debt_calls_7d, "calls_per_debt_7d": p.calls_per_debt_7d},
                           f.kth_recent["debt_calls_7d"] + WEEK)
    if p.attempts_per_borrower_7d is not None and f.attempts_7d >= p.attempts_per_borrower_7d:
        return Refusal(Reason.WEEKLY_CAP, _("%(attempts_7d)s contacts with this borrower on all channels in 7 days (limit %(attempts_per_borrower_7d)s).") % {"attempts_7d": f.attempts_7d, "attempts_per_borrower_7d": p.attempts_per_borrower_7d}, f.kth_recent["attempts_7d"] + WEEK)
    return None


def post_conversation_wait(f: Facts):
    # Reg F 1006.14(b)(2)(ii): no call within 7 days after a telephone conversation; the
    # conversation day is day 1, so the next call may be on day 8 (borrower-local).
    days = f.profile.conversation_wait_days
    if days is None or f.channel != Channel.PHONE_CALL or f.last_conversation_at is None:
        return None
    # With several candidate zones, wait for the latest midnight among them.
    until = max(
        datetime.combine(f.last_conversation_at.astimezone(ZoneInfo(zone)).date() + timedelta(days=days), time(0),
                         tzinfo=ZoneInfo(zone))
        for zone in f.zones
    )
    if f.at < until:
        spoke = timezone.localtime(f.last_conversation_at, f.day_zone)
        return Refusal(Reason.POST_CONVERSATION_WAIT,
                       _("Spoke with the borrower on %(spoke)s; no calls for %(days)s days from that day.") % {"spoke": format(spoke, '%Y-%m-%d'), "days": days}, until)
    return None


def _closed_days(f: Facts, zone: str, day: date) -> bool:
    return day in f.profile.holiday_dates


def _open_at(f: Facts, instant: datetime) -> bool:
    start, end = f.profile.contact_window_start, f.profile.contact_window_end
    for zone in f.zones:
        local = instant.astimezone(ZoneInfo(zone))
        if _closed_days(f, zone, local.date()) or not (start <= local.time() < end):
            return False
    return True


def next_open_instant(f: Facts, after: datetime) -> datetime | None:
    """Earliest instant >= ``after`` inside the contact window in every candidate zone and
    on no holiday; None if the zones' windows never overlap."""
    if _open_at(f, after):
        return after
    candidates = set()
    for zone in f.zones:
        tz = ZoneInfo(zone)
        first_day = after.astimezone(tz).date()
        for offset in range(0, 15):
            candidates.add(datetime.combine(first_day + timedelta(days=offset), f.profile.contact_window_start, tzinfo=tz))
    for candidate in sorted(c for c in candidates if c >= after):
        if _open_at(f, candidate):
            return candidate
    return None


def contact_hours(f: Facts):
    """Outside hours or on a holiday in any of the borrower's possible zones (Reg F
    1006.6(b)(1)(i) commentary: with conflicting zones, every one must be convenient)."""
    if f.channel in CHANNELS_WITHOUT_HOURS:
        return None
    start, end = f.profile.contact_window_start, f.profile.contact_window_end
    for zone in f.zones:
        local = f.at.astimezone(ZoneInfo(zone))
        if _closed_days(f, zone, local.date()):
            return Refusal(Reason.HOLIDAY, _("%(local)s is a public holiday in %(zone)s.") % {"local": format(local, '%Y-%m-%d'), "zone": zone},
                           next_open_instant(f, f.at))
    for zone in f.zones:
        local = f.at.astimezone(ZoneInfo(zone))
        if not (start <= local.time() < end):
            return Refusal(Reason.OUTSIDE_HOURS,
                           _("It is %(local)s for the borrower (%(zone)s); contact only %(start)s–%(end)s.") % {"local": format(local, '%H:%M'), "zone": zone, "start": format(start, '%H:%M'), "end": format(end, '%H:%M')},
                           next_open_instant(f, f.at))
    return None


RULES = [
    case_closed, cease_requested, case_on_hold, channel_opt_out, invalid_contact_point, stage_not_reached,
    no_approved_visit, template_not_approved, third_party_limit, daily_cap, weekly_cap, post_conversation_wait,
    contact_hours,
]


def decide(f: Facts) -> Decision:
    refusals = [refusal for rule in RULES if (refusal := rule(f)) is not None]
    if not refusals:
        return Decision(True, (), (), f.at, f.profile, zones=f.zones)
    next_at = None
    if all(refusal.until is not None for refusal in refusals):
        # Caps and waits only relax as time passes; then find the next open window.
        waited = max([f.at] + [refusal.until for refusal in refusals])
        next_at = waited if f.channel in CHANNELS_WITHOUT_HOURS else next_open_instant(f, waited)
    reasons = tuple(refusal.reason for refusal in refusals)
    return Decision(
        allowed=False, reasons=reasons, explanations=tuple(r.explanation for r in refusals), next_allowed_at=next_at,
        profile=f.profile, overridable=set(reasons) <= f.profile.overridable, zones=f.zones,
    )


# --- loading the facts -----------------------------------------------------------------

def candidate_zones(borrower, points, profile) -> tuple[str, ...]:
    """The borrower's home zone and every zone their contact points suggest; the profile's
    fallback zones when nothing is known."""
    zones = {borrower.home_time_zone} if borrower.home_time_zone else set()
    zones |= {point.time_zone for point in points if point.time_zone and point.owner == ContactPoint.Owner.BORROWER}
    if not zones:
        zones = set(profile.fallback_time_zones.split())
    ordered = [borrower.home_time_zone] if borrower.home_time_zone else []
    return tuple(ordered + sorted(zones - set(ordered)))


def _check_request(case, channel, point, template):
    if channel not in Channel.values:
        raise ContactRequestError(_("Unknown channel %(channel)r.") % {"channel": channel})
    if point is not None:
        if point.borrower_id != case.account.borrower_id:
            raise ContactRequestError(_("That contact point belongs to another borrower."))
        if point.kind != CHANNEL_POINT_KIND[channel]:
            raise ContactRequestError(_("A %(lower)s needs a %(value)s contact point, not a %(kind)s.") % {"lower": Channel(channel).label.lower(), "value": CHANNEL_POINT_KIND[channel], "kind": point.kind})
    if template is not None and template.channel != channel:
        raise ContactRequestError(_("Template %(code)s is for %(channel)s, not %(channel2)s.") % {"code": template.code, "channel": template.channel, "channel2": channel})


def load_facts(cases, channel: str, at: datetime, points: dict, template=None) -> list[Facts]:
    """Facts for ``channel`` at ``at`` for each case, in a fixed number of queries.

    ``cases`` must come with ``account__borrower`` selected; ``points`` maps a case id to
    the contact point to be used (or None).
    """
    cases = list(cases)
    if not cases:
        return []
    profiles = current_profiles_by_code()
    borrower_ids = {case.account.borrower_id for case in cases}
    case_ids = [case.pk for case in cases]

    points_by_borrower = _contact_points(cases, borrower_ids)
    holds_by_case, opt_outs = _holds_and_opt_outs(case_ids, borrower_ids, channel, at)

    facts = []
    for case in cases:
        borrower = case.account.borrower
        profile = profiles[borrower.policy_profile_code]
        point = points.get(case.pk)
        _check_request(case, channel, point, template)
        zones = candidate_zones(borrower, points_by_borrower[borrower.pk], profile)
        facts.append(Facts(
            case=case, channel=channel, at=at, profile=profile, contact_point=point, template=template, zones=zones,
            borrower_points=points_by_borrower[borrower.pk], active_holds=holds_by_case[case.pk],
            opted_out=(borrower.pk, None) in opt_outs or (point is not None and (borrower.pk, point.pk) in opt_outs),
            outstanding=case.account.outstanding_total,
        ))
    _load_counts(facts, channel, at)
    _load_third_party_facts([f for f in facts if f.contact_point and f.contact_point.owner == "third_party"])
    return facts


def _contact_points(cases, borrower_ids) -> dict[int, list[ContactPoint]]:
    """Each borrower's contact points: from the cases' prefetched points when the caller
    loaded them (a case page does), else in one query."""
    borrowers = [case.account.borrower for case in cases]
    if all("contact_points" in getattr(b, "_prefetched_objects_cache", {}) for b in borrowers):
        return {b.pk: list(b.contact_points.all()) for b in borrowers}
    points_by_borrower = defaultdict(list)
    for point in ContactPoint.objects.filter(borrower_id__in=borrower_ids):
        points_by_borrower[point.borrower_id].append(point)
    return points_by_borrower


# The engine's two hottest reads are written as SQL: the same statements through the ORM
# spent three times as long being compiled as being answered (check_contact is on every
# collector's screen and in every outbox batch). Plain SQL that SQLite and PostgreSQL
# both speak; values pass through the backend's own datetime adaptation.

def _to_db(instant: datetime):
    return connection.ops.adapt_datetimefield_value(instant)


def _from_db(value) -> datetime | None:
    """A datetime read by plain SQL: SQLite gives UTC as text or a naive datetime."""
    if value is None or isinstance(value, datetime) and timezone.is_aware(value):
        return value
    if isinstance(value, str):
        value = parse_datetime(value)
    return value.replace(tzinfo=dt_timezone.utc) if timezone.is_naive(value) else value


def _placeholders(values) -> str:
    return ", ".join(["%s"] * len(values))


def _holds_and_opt_outs(case_ids, borrower_ids, channel, at) -> tuple[dict[int, list[Hold]], set]:
    """The cases' active holds and the borrowers' opt-outs from ``channel``, in one
    round trip: rows are (kind of row, key, hold kind, hold end, opted-out point)."""
    case_ids, borrower_ids = list(case_ids), list(borrower_ids)
    sql = (
        f"SELECT 'hold', case_id, kind, ends_at, NULL FROM {Hold._meta.db_table} "
        f"WHERE case_id IN ({_placeholders(case_ids)}) AND released_at IS NULL AND starts_at <= %s "
        f"AND (ends_at IS NULL OR ends_at > %s) "
        f"UNION ALL "
        f"SELECT 'opt_out', borrower_id, '', NULL, contact_point_id FROM {ChannelOptOut._meta.db_table} "
        f"WHERE borrower_id IN ({_placeholders(borrower_ids)}) AND channel = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*case_ids, _to_db(at), _to_db(at), *borrower_ids, channel])
        rows = cursor.fetchall()
    holds_by_case, opt_outs = defaultdict(list), set()
    for row_kind, key, hold_kind, ends_at, point_id in rows:
        if row_kind == "hold":
            holds_by_case[key].append(Hold(case_id=key, kind=hold_kind, ends_at=_from_db(ends_at)))
        else:
            opt_outs.add((key, point_id))
    return holds_by_case, opt_outs


def _counted_attempt_rows(borrower_ids, at) -> list[tuple]:
    """Contacts that happened (allowed, outbound) in the history window the caps look at,
    as plain rows: (borrower, case, contact point, channel, outcome, started_at,
    conversation, contact point is a workplace).

    Up to ``at`` or now, whichever is later: a call logged after the fact must not slip
    under a cap because the calls that followed it are already on record.
    """
    borrower_ids = list(borrower_ids)
    attempts, points = ContactAttempt._meta.db_table, ContactPoint._meta.db_table
    sql = (
        f"SELECT a.borrower_id, a.case_id, a.contact_point_id, a.channel, a.outcome, a.started_at, "
        f"a.conversation, p.is_workplace FROM {attempts} a LEFT JOIN {points} p ON p.id = a.contact_point_id "
        f"WHERE a.borrower_id IN ({_placeholders(borrower_ids)}) AND a.allowed AND a.direction = %s "
        f"AND a.started_at > %s AND a.started_at <= %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*borrower_ids, ContactAttempt.Direction.OUTBOUND, _to_db(at - HISTORY_WINDOW),
                             _to_db(max(at, timezone.now()))])
        return [(borrower, case, point, channel, outcome, _from_db(started), bool(conversation), bool(workplace))
                for borrower, case, point, channel, outcome, started, conversation, workplace in cursor.fetchall()]


def _load_counts(facts: list[Facts], channel, at):
    """Every count the caps need, for all the facts, and for each rolling cap that is
    reached the k-th most recent counted attempt (the window frees a slot that long after
    it): the borrowers' counted attempts in the history window (a few dozen rows per
    borrower at most) are read in one plain query and counted here, which costs far less
    than compiling filtered aggregates and window queries on every check."""
    rows_of_borrower = defaultdict(list)
    for row in _counted_attempt_rows({f.case.account.borrower_id for f in facts}, at):
        rows_of_borrower[row[0]].append(row)
    week_start = at - WEEK
    for f in facts:
        profile = f.profile
        debt_channels = {Channel.PHONE_CALL, Channel.SMS} if profile.sms_counts_as_call else {Channel.PHONE_CALL}
        workplace_capped = profile.calls_to_workplace_30d is not None
        # Each borrower's "today" starts at their own local midnight.
        day_start, day_end = f.next_local_midnight(days=0), f.next_local_midnight(days=1)
        point_id = f.contact_point.pk if f.contact_point is not None else None
        times = {"debt_calls_7d": [], "workplace_calls_30d": [], "attempts_7d": []}
        for _, case_id, row_point_id, row_channel, outcome, started_at, conversation, is_workplace in \
                rows_of_borrower[f.case.account.borrower_id]:
            today = day_start <= started_at < day_end
            call = row_channel == Channel.PHONE_CALL
            # Reg F counts calls placed, not network failures (calls_count_busy).
            debt_call = row_channel in debt_channels and (profile.calls_count_busy or outcome != Outcome.BUSY)
            if started_at > week_start:
                times["attempts_7d"].append(started_at)
            f.sms_today += row_channel == Channel.SMS and today
            f.connected_calls_today += call and today and outcome in CONNECTED
            if point_id is not None and row_point_id == point_id:
                f.unanswered_to_point_today += call and today and outcome in UNANSWERED
            if case_id == f.case.pk:
                if debt_call and started_at > week_start and not (workplace_capped and is_workplace):
                    times["debt_calls_7d"].append(started_at)
                if debt_call and is_workplace:
                    times["workplace_calls_30d"].append(started_at)
                if call and conversation and (f.last_conversation_at is None or started_at > f.last_conversation_at):
                    f.last_conversation_at = started_at
        f.attempts_7d, f.debt_calls_7d, f.workplace_calls_30d = (
            len(times["attempts_7d"]), len(times["debt_calls_7d"]), len(times["workplace_calls_30d"]))
        for name, limit in (("debt_calls_7d", profile.calls_per_debt_7d),
                            ("workplace_calls_30d", profile.calls_to_workplace_30d),
                            ("attempts_7d", profile.attempts_per_borrower_7d)):
            if limit is not None and limit > 0 and len(times[name]) >= limit:
                f.kth_recent[name] = sorted(times[name], reverse=True)[limit - 1]


def _load_third_party_facts(facts: list[Facts]):
    """Third-party contacts so far, and whether the borrower counts as unreachable."""
    for f in facts:  # third-party contacts are rare and judged one at a time
        f.third_party_contacts = ContactAttempt.objects.filter(
            contact_point=f.contact_point, allowed=True, direction=ContactAttempt.Direction.OUTBOUND).count()
        own_phones = [p for p in f.borrower_points if p.kind == "phone" and p.owner == ContactPoint.Owner.BORROWER]
        needed = f.profile.unreachable_failed_calls
        recent = list(
            ContactAttempt.objects.filter(
                borrower_id=f.case.account.borrower_id, channel=Channel.PHONE_CALL, allowed=True,
                contact_point__owner=ContactPoint.Owner.BORROWER, started_at__lte=f.at,
            ).order_by("-started_at").values_list("outcome", flat=True)[:needed]
        )
        all_invalid = bool(own_phones) and all(p.is_invalid for p in own_phones)
        f.borrower_unreachable = all_invalid or (len(recent) == needed and all(o in FAILED_REMOTE for o in recent))


# --- entry points ------------------------------------------------------------------------

def evaluate(case, channel, at=None, contact_point=None, agent=None, template=None) -> Decision:
    """May ``channel`` contact about ``case`` happen at ``at`` (default now), through
    ``contact_point``, using ``template``? ``agent`` is who would make it."""
    at = at or timezone.now()
    if timezone.is_naive(at):
        raise ContactRequestError(_("The instant must be timezone-aware."))
    if not hasattr(case, "_state") or "account" not in case._state.fields_cache:
        case = CollectionCase.objects.select_related("account__borrower").get(pk=case.pk)
    (facts,) = load_facts([case], channel, at, {case.pk: contact_point}, template)
    return decide(facts)


def evaluate_many(cases, channel, at=None, points=None) -> dict[int, Decision]:
    """Decisions for many cases at once (work queues), in a fixed number of queries."""
    at = at or timezone.now()
    return {f.case.pk: decide(f) for f in load_facts(cases, channel, at, points or {})}


def reached_borrower(outcome: str) -> bool:
    return outcome in BORROWER_REACHED
