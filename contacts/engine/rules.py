"""
The compliance engine's rules: small pure functions of ``Facts`` (what is known about one
proposed contact), each returning a Refusal — reason code, the parameters behind it, the
earliest instant it would allow, or None when waiting alone will not help — or nothing.
``decide`` runs them all. No database here: the facts are gathered by
``contacts.engine.facts``, and the rules are tested on hand-built facts
(tests/contacts/test_rules.py).

A refusal holds data, never a sentence: ``contacts.refusals`` words it in the language of
whoever reads it, when they read it — the collector at the desk now, a reviewer in
another language years later.

Adding a rule is adding a function to RULES, its sentence to ``contacts.refusals`` and a
test. Every number comes from the borrower's policy profile (POLICY.md); comments cite
the rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from cases.models import CLOSED_STATES, LADDER, CaseState, ContactPoint, Hold
from policy.codes import Channel, Reason

from .. import refusals
from . import consent

if TYPE_CHECKING:
    from cases.models import CollectionCase
    from policy.models import PolicyProfile

    from ..models import MessageTemplate

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
    params: dict  # the facts behind the refusal, as JSON data (contacts/refusals.py lists them)
    until: datetime | None  # earliest instant this rule allows; None: waiting alone won't do

    @property
    def explanation(self) -> str:
        return refusals.explain(self.reason, self.params)


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reasons: tuple[str, ...]
    params: tuple[dict, ...]  # one per reason, in the same order
    next_allowed_at: datetime | None
    profile: PolicyProfile
    overridable: bool = False  # every reason may be overridden by a supervisor under this profile
    zones: tuple[str, ...] = ()  # the borrower's candidate time zones the hours were judged in

    @property
    def borrower_zone(self) -> ZoneInfo | None:
        return ZoneInfo(self.zones[0]) if self.zones else None

    @property
    def explanations(self) -> tuple[str, ...]:
        """The refusals in words, in the language active now (not when decided)."""
        return tuple(refusals.explain(reason, params) for reason, params in zip(self.reasons, self.params, strict=True))

    @property
    def refusal_params(self) -> list[dict]:
        """The refusals as an attempt stores them."""
        return refusals.as_stored(self.reasons, self.params)

    def explain(self) -> str:
        if self.allowed:
            return _("Allowed.")
        return " ".join([*self.explanations, refusals.next_allowed_sentence(self.next_allowed_at)])


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
    consent_ledger: tuple[consent.LedgerEvent, ...] = ()  # the borrower's grants and withdrawals
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
        return Refusal(Reason.CASE_CLOSED, {"state": str(f.case.state)}, None)
    if f.outstanding is not None and f.outstanding <= 0:
        return Refusal(Reason.CASE_CLOSED, {"paid_in_full": True}, None)
    return None


def cease_requested(f: Facts):
    # Reg F 1006.6(c): after a cease request only the notices the law requires.
    if any(hold.kind == Hold.Kind.CEASE_COMMUNICATION for hold in f.active_holds):
        if f.template is not None and f.template.is_required_notice:
            return None
        return Refusal(Reason.CEASE_REQUESTED, {}, None)
    return None


def case_on_hold(f: Facts):
    # A notice the borrower must get (e.g. "the announced visit is cancelled") still goes.
    if f.template is not None and f.template.is_required_notice:
        return None
    holds = [hold for hold in f.active_holds if hold.kind != Hold.Kind.CEASE_COMMUNICATION]
    if holds:
        kinds = sorted({str(hold.kind) for hold in holds})
        ends = [hold.ends_at for hold in holds]
        until = None if any(end is None for end in ends) else max(ends)
        return Refusal(Reason.CASE_ON_HOLD, {"kinds": kinds, "until": until.isoformat() if until else None}, until)
    # The holds decide, not the state: a hold that has ended frees the borrower at once,
    # even before the release job moves the case back to its rung.
    return None


def channel_opt_out(f: Facts):
    point = f.contact_point
    if f.opted_out or (point is not None and point.opted_out):
        return Refusal(Reason.CHANNEL_OPT_OUT, {"channel": str(f.channel)}, None)
    return None


def consent_required(f: Facts):
    # POLICY.md second edition "Consent" (FCC TCPA revocation order 2024; 6 RCNY 5-77):
    # the judgement and its two exceptions are in contacts/engine/consent.py.
    params = consent.refusal_params(f)
    return None if params is None else Refusal(Reason.CONSENT_REQUIRED, params, None)


def invalid_contact_point(f: Facts):
    if f.contact_point is not None and f.contact_point.is_invalid:
        return Refusal(Reason.INVALID_CONTACT_POINT, {}, None)
    return None


def stage_not_reached(f: Facts):
    # A notice the law requires goes on every rung: a "collection ends" letter after a cease
    # request cannot wait for a written-notice rung the case may never reach. Closed cases,
    # hours and caps still apply to it.
    if f.template is not None and f.template.is_required_notice:
        return None
    rung = f.case.state if f.case.state in LADDER else f.case.ladder_rung
    needed = CHANNEL_MIN_RUNG[f.channel]
    if LADDER.index(rung) < LADDER.index(needed):
        return Refusal(
            Reason.STAGE_NOT_REACHED, {"channel": str(f.channel), "needed": str(needed), "rung": str(rung)}, None
        )
    return None


def no_approved_visit(f: Facts):
    if f.channel == Channel.FIELD_VISIT and not f.case.has_approved_field_visit():
        return Refusal(Reason.NO_APPROVED_VISIT, {}, None)
    return None


def template_not_approved(f: Facts):
    if f.template is not None and not f.template.is_approved:
        return Refusal(Reason.TEMPLATE_NOT_APPROVED, {"template": f.template.code, "version": f.template.version}, None)
    return None


def third_party_limit(f: Facts):
    point = f.contact_point
    if point is None or point.owner != ContactPoint.Owner.THIRD_PARTY:
        return None
    p = f.profile
    if not p.third_party_contact_allowed:
        return Refusal(Reason.THIRD_PARTY_LIMIT, {"rule": "none_allowed"}, None)
    if p.third_party_max_per_person is not None and f.third_party_contacts >= p.third_party_max_per_person:
        # Reg F 1006.10: a third party is contacted once, for location information.
        return Refusal(
            Reason.THIRD_PARTY_LIMIT,
            {"rule": "per_person", "contacts": f.third_party_contacts, "limit": p.third_party_max_per_person},
            None,
        )
    if p.third_party_requires_unreachable and not f.borrower_unreachable:
        # CBA 2026 guideline: third parties only when the borrower is out of contact.
        return Refusal(
            Reason.THIRD_PARTY_LIMIT, {"rule": "borrower_reachable", "failed_calls": p.unreachable_failed_calls}, None
        )
    return None


def daily_cap(f: Facts):
    p = f.profile
    tomorrow = f.next_local_midnight()
    if f.channel == Channel.PHONE_CALL:
        if p.connected_calls_per_day is not None and f.connected_calls_today >= p.connected_calls_per_day:
            return _cap_reached(
                Reason.DAILY_CAP, "connected_calls_today", f.connected_calls_today, p.connected_calls_per_day, tomorrow
            )
        if (
            p.unanswered_calls_per_number_per_day is not None
            and f.contact_point is not None
            and f.unanswered_to_point_today >= p.unanswered_calls_per_number_per_day
        ):
            return _cap_reached(
                Reason.DAILY_CAP,
                "unanswered_to_point_today",
                f.unanswered_to_point_today,
                p.unanswered_calls_per_number_per_day,
                tomorrow,
            )
    if f.channel == Channel.SMS and p.sms_per_day is not None and f.sms_today >= p.sms_per_day:
        return _cap_reached(Reason.DAILY_CAP, "sms_today", f.sms_today, p.sms_per_day, tomorrow)
    return None


def _cap_reached(reason: str, measure: str, count: int, limit: int, until: datetime) -> Refusal:
    """A cap reached: what was counted (the Facts field's name), how many, and the limit."""
    return Refusal(reason, {"measure": measure, "count": count, "limit": limit}, until)


def _counts_as_debt_call(f: Facts) -> bool:
    return f.channel == Channel.PHONE_CALL or (f.channel == Channel.SMS and f.profile.sms_counts_as_call)


def weekly_cap(f: Facts):
    p = f.profile
    if _counts_as_debt_call(f):
        to_workplace = f.contact_point is not None and f.contact_point.is_workplace
        if p.calls_to_workplace_30d is not None and to_workplace:
            # 940 CMR 7.04(1)(f): 2 calls in 30 days to numbers other than personal ones.
            if f.workplace_calls_30d >= p.calls_to_workplace_30d:
                return _cap_reached(
                    Reason.WEEKLY_CAP,
                    "workplace_calls_30d",
                    f.workplace_calls_30d,
                    p.calls_to_workplace_30d,
                    f.kth_recent["workplace_calls_30d"] + HISTORY_WINDOW,
                )
        elif p.calls_per_debt_7d is not None and f.debt_calls_7d >= p.calls_per_debt_7d:
            # Reg F 1006.14(b)(2)(i): more than 7 calls in 7 days is presumed harassment.
            return _cap_reached(
                Reason.WEEKLY_CAP,
                "debt_calls_7d",
                f.debt_calls_7d,
                p.calls_per_debt_7d,
                f.kth_recent["debt_calls_7d"] + WEEK,
            )
    if p.attempts_per_borrower_7d is not None and f.attempts_7d >= p.attempts_per_borrower_7d:
        return _cap_reached(
            Reason.WEEKLY_CAP,
            "attempts_7d",
            f.attempts_7d,
            p.attempts_per_borrower_7d,
            f.kth_recent["attempts_7d"] + WEEK,
        )
    return None


def post_conversation_wait(f: Facts):
    # Reg F 1006.14(b)(2)(ii): no call within 7 days after a telephone conversation; the
    # conversation day is day 1, so the next call may be on day 8 (borrower-local).
    days = f.profile.conversation_wait_days
    if days is None or f.channel != Channel.PHONE_CALL or f.last_conversation_at is None:
        return None
    # With several candidate zones, wait for the latest midnight among them.
    until = max(
        datetime.combine(
            f.last_conversation_at.astimezone(ZoneInfo(zone)).date() + timedelta(days=days),
            time(0),
            tzinfo=ZoneInfo(zone),
        )
        for zone in f.zones
    )
    if f.at < until:
        zone = f.zones[0]
        spoke = f.last_conversation_at.astimezone(ZoneInfo(zone))
        return Refusal(
            Reason.POST_CONVERSATION_WAIT,
            {"spoke_at": spoke.isoformat(timespec="minutes"), "zone": zone, "days": days},
            until,
        )
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
            candidates.add(
                datetime.combine(first_day + timedelta(days=offset), f.profile.contact_window_start, tzinfo=tz)
            )
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
            return Refusal(Reason.HOLIDAY, {"day": local.date().isoformat(), "zone": zone}, next_open_instant(f, f.at))
    for zone in f.zones:
        local = f.at.astimezone(ZoneInfo(zone))
        if not (start <= local.time() < end):
            return Refusal(
                Reason.OUTSIDE_HOURS,
                {
                    "local_time": local.isoformat(timespec="minutes"),
                    "zone": zone,
                    "start": start.isoformat(timespec="minutes"),
                    "end": end.isoformat(timespec="minutes"),
                },
                next_open_instant(f, f.at),
            )
    return None


RULES = [
    case_closed,
    cease_requested,
    case_on_hold,
    channel_opt_out,
    consent_required,
    invalid_contact_point,
    stage_not_reached,
    no_approved_visit,
    template_not_approved,
    third_party_limit,
    daily_cap,
    weekly_cap,
    post_conversation_wait,
    contact_hours,
]


def decide(f: Facts) -> Decision:
    found = [refusal for rule in RULES if (refusal := rule(f)) is not None]
    if not found:
        return Decision(True, (), (), f.at, f.profile, zones=f.zones)
    next_at = None
    if all(refusal.until is not None for refusal in found):
        # Caps and waits only relax as time passes; then find the next open window.
        waited = max([f.at] + [refusal.until for refusal in found])
        next_at = waited if f.channel in CHANNELS_WITHOUT_HOURS else next_open_instant(f, waited)
    reasons = tuple(refusal.reason for refusal in found)
    return Decision(
        allowed=False,
        reasons=reasons,
        params=tuple(refusal.params for refusal in found),
        next_allowed_at=next_at,
        profile=f.profile,
        overridable=set(reasons) <= f.profile.overridable,
        zones=f.zones,
    )
