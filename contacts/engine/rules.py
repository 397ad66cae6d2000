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
from .hours import CHANNELS_WITHOUT_HOURS, contact_hours, next_open_instant
from .refusal import Refusal

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
# The caps count calendar dates (Reg F 1006.14(b)(2): "seven consecutive days", the day of
# the first call is day 1), so the history read must reach back the longest window's dates
# in the westernmost candidate zone: a day more than the window.
WEEK_DAYS = 7
WORKPLACE_WINDOW_DAYS = 30
HISTORY_WINDOW = timedelta(days=WORKPLACE_WINDOW_DAYS + 2)


class ContactRequestError(ValueError):
    """The request itself is malformed (a point of another borrower, a template of another
    channel): a programming or input error, not a policy refusal."""


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
    case_contacted: bool = False  # an allowed outbound contact about this case exists
    outstanding: object = None
    connected_calls_today: int = 0
    unanswered_to_point_today: int = 0
    sms_today: int = 0
    debt_calls_7d: int = 0
    workplace_calls_30d: int = 0
    attempts_7d: int = 0
    account_attempts_7d: int = 0
    last_conversation_at: datetime | None = None
    third_party_contacts: int = 0
    borrower_unreachable: bool = False
    consent_ledger: tuple[consent.LedgerEvent, ...] = ()  # the borrower's grants and withdrawals
    # The instants each windowed cap counted (by the Facts field's name), for "on which date
    # does the window free a slot"
    counted: dict[str, list[datetime]] = field(default_factory=dict)
    # What depends only on the instant, the profile and the zones (the contact window, local
    # midnights), computed once for all the facts of a batch that share it (facts.py).
    memo: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def day_zone(self) -> ZoneInfo:
        """The zone whose calendar day the daily limits count in: the first candidate."""
        return ZoneInfo(self.zones[0])

    def next_local_midnight(self, days: int = 1, after: datetime | None = None) -> datetime:
        key = ("midnight", self.zones[0], after or self.at, days)
        if key not in self.memo:
            local = (after or self.at).astimezone(self.day_zone)
            self.memo[key] = datetime.combine(local.date() + timedelta(days=days), time(0), tzinfo=self.day_zone)
        return self.memo[key]


def calendar_window(
    instants: list[datetime], zones: tuple[str, ...], at: datetime, days: int, limit: int | None = None
) -> tuple[int, datetime | None]:
    """How many of ``instants`` fall on the ``days`` borrower-local dates ending with the
    date of ``at`` (dates, not hours: the day of the first contact is day 1), read in the
    strictest candidate zone; and, when that reaches ``limit``, the local midnight of the
    first date on which every zone's window holds fewer than ``limit``.

    Contacts logged after ``at`` count too: a call logged after the fact must not slip
    under a cap because the calls that followed it are already on record.
    """
    count, frees = 0, None
    for zone in zones:
        tz = ZoneInfo(zone)
        first_day = calendar_window_start(at, zone, days)
        dates = [d for d in (i.astimezone(tz).date() for i in instants) if d >= first_day]
        count = max(count, len(dates))
        if limit is not None and limit > 0 and len(dates) >= limit:
            dates.sort(reverse=True)
            # The window starting after the limit-th most recent date holds limit - 1.
            midnight = datetime.combine(dates[limit - 1] + timedelta(days=days), time(0), tzinfo=tz)
            frees = midnight if frees is None else max(frees, midnight)
    return count, frees


def calendar_window_start(at: datetime, zone: str, days: int) -> date:
    """The first of the ``days`` local dates in ``zone`` ending with the date of ``at``."""
    return at.astimezone(ZoneInfo(zone)).date() - timedelta(days=days - 1)


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
    state = f.case.state  # django-fsm's descriptor builds a DeferredAttribute per read
    rung = state if state in LADDER else f.case.ladder_rung
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


def first_contact_identity(f: Facts):
    """CBA 2026: a case's first message or call states who the lender is. A message goes
    out from a template, and so does a call with a script (every automated call): the
    template must name the lender (contacts/template_text.names_lender). A check made
    without a template (a collector asking whether a call may be made now) is not about
    words, so it passes here."""
    if not f.profile.first_contact_names_institution or f.case_contacted or f.template is None:
        return None
    if f.template.names_lender:
        return None
    return Refusal(Reason.FIRST_CONTACT_IDENTITY, {"template": f.template.code}, None)


def time_barred(f: Facts):
    # Reg F 1006.26(b): no suit, and no threat of one, on a time-barred debt (POLICY.md
    # second edition). Past the limitation date on any of the borrower's local dates.
    if f.template is None or not f.template.mentions_legal_action:
        return None
    limitation = f.case.account.limitation_date(f.profile)
    if limitation is None or not any(f.at.astimezone(ZoneInfo(zone)).date() > limitation for zone in f.zones):
        return None
    return Refusal(Reason.TIME_BARRED, {"limitation_date": limitation.isoformat(), "template": f.template.code}, None)


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


def _window_frees(f: Facts, measure: str, days: int, limit: int) -> datetime:
    frees = calendar_window(f.counted.get(measure, []), f.zones, f.at, days, limit)[1]
    # Counts given without their instants (never by facts.py): the whole window from today.
    return frees or f.next_local_midnight(days=days)


def _window_cap(f: Facts, measure: str, days: int, limit: int | None) -> Refusal | None:
    count = getattr(f, measure)
    if limit is None or count < limit:
        return None
    return _cap_reached(Reason.WEEKLY_CAP, measure, count, limit, _window_frees(f, measure, days, limit))


def weekly_cap(f: Facts):
    """Caps over consecutive calendar days in the borrower's zone (POLICY.md second
    edition): the date of the first counted contact is day 1, and the next allowed time is
    the start of the contact window on the first date that frees a slot."""
    p = f.profile
    if _counts_as_debt_call(f):
        to_workplace = f.contact_point is not None and f.contact_point.is_workplace
        if p.calls_to_workplace_30d is not None and to_workplace:
            # 940 CMR 7.04(1)(f): 2 calls in 30 days to numbers other than personal ones.
            if refusal := _window_cap(f, "workplace_calls_30d", WORKPLACE_WINDOW_DAYS, p.calls_to_workplace_30d):
                return refusal
        # Reg F 1006.14(b)(2)(i): more than 7 calls in 7 days is presumed harassment.
        elif refusal := _window_cap(f, "debt_calls_7d", WEEK_DAYS, p.calls_per_debt_7d):
            return refusal
    # NYC 6 RCNY 5-77: contacts or attempts per account in 7 days, across all media.
    if refusal := _window_cap(f, "account_attempts_7d", WEEK_DAYS, p.attempts_per_account_7d):
        return refusal
    return _window_cap(f, "attempts_7d", WEEK_DAYS, p.attempts_per_borrower_7d)


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
    first_contact_identity,
    time_barred,
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
