"""
Contact intensity: attempts per day for a case or an agent, drawn as a server-rendered
SVG bar chart (no JavaScript, no CDN) with the policy caps as horizontal lines, refused
and off-hours attempts in their own colours.

Off hours means the engine named ``outside_hours`` among the reasons: the attempt was
refused for it, or a supervisor overrode that refusal.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from math import ceil
from zoneinfo import ZoneInfo

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.selectors import borrower_zone
from contacts.models import ContactAttempt
from core.when import day_and_month, local_date
from policy.codes import Channel, Reason
from policy.models import PolicyProfile

DEFAULT_DAYS = 30
ROLLING_DAYS = 7


# --- chart geometry ------------------------------------------------------------------------


@dataclass
class Segment:
    y: float
    height: float
    css: str


@dataclass
class Bar:
    x: float
    width: float
    title: str
    segments: list[Segment]


@dataclass
class CapLine:
    y: float
    label: str
    css: str


@dataclass
class Chart:
    title: str
    description: str
    width: int
    height: int
    left: int
    top: int
    right: float
    baseline: float
    tick_x: float  # where the y-axis numbers end
    label_y: float  # where the day labels sit
    bars: list[Bar]
    caps: list[CapLine]
    y_ticks: list[tuple[float, int]]
    x_labels: list[tuple[float, str]]
    legend: list[tuple[str, str]]
    empty: bool


def stacked_bar_chart(title: str, description: str, columns, caps, legend, *, width=760, height=240) -> Chart:
    """``columns``: [(x label, [(value, css class)], tooltip)], ``caps``: [(label, value, css)].
    Coordinates are computed here so the template only writes them out."""
    left, right_margin, top, bottom = 36, 8, 14, 34
    plot_width, plot_height = width - left - right_margin, height - top - bottom
    totals = [sum(value for value, _ in segments) for _, segments, _ in columns]
    ceiling = max([*totals, *(value for _, value, _ in caps), 1])
    ceiling = ceiling + max(1, ceiling // 10)  # headroom so a cap line is never on the frame
    scale = plot_height / ceiling
    baseline = top + plot_height

    def y_of(value):
        return round(baseline - value * scale, 1)

    slot = plot_width / max(len(columns), 1)
    bar_width = round(max(slot * 0.72, 1.0), 1)
    bars = []
    for index, (_label, segments, tooltip) in enumerate(columns):
        x = round(left + index * slot + (slot - bar_width) / 2, 1)
        stacked, drawn = 0, []
        for value, css in segments:
            if value:
                drawn.append(Segment(y=y_of(stacked + value), height=round(value * scale, 1), css=css))
                stacked += value
        bars.append(Bar(x=x, width=bar_width, title=tooltip, segments=drawn))
    step = max(1, ceil(len(columns) / 10))
    x_labels = [
        (round(left + index * slot + slot / 2, 1), label)
        for index, (label, _, _) in enumerate(columns)
        if index % step == 0
    ]
    ticks = sorted({0, ceiling // 2, ceiling})
    return Chart(
        title=title,
        description=description,
        width=width,
        height=height,
        left=left,
        top=top,
        right=left + plot_width,
        baseline=baseline,
        tick_x=left - 4,
        label_y=baseline + 14,
        bars=bars,
        caps=[CapLine(y=y_of(value), label=f"{label}: {value}", css=css) for label, value, css in caps],
        y_ticks=[(y_of(tick), tick) for tick in ticks],
        x_labels=x_labels,
        legend=legend,
        empty=not any(totals),
    )


# --- counting ------------------------------------------------------------------------------------


@dataclass
class Day:
    day: date
    allowed: int = 0
    off_hours: int = 0
    blocked: int = 0
    calls: int = 0  # allowed phone calls
    other: int = 0  # allowed contacts on other channels

    @property
    def total(self) -> int:
        return self.allowed + self.off_hours + self.blocked


def _days(attempts, zone: ZoneInfo, first: date, last: date) -> list[Day]:
    by_day = {first + timedelta(days=n): Day(first + timedelta(days=n)) for n in range((last - first).days + 1)}
    for attempt in attempts:
        day = by_day.get(attempt["started_at"].astimezone(zone).date())
        if day is None:
            continue
        if Reason.OUTSIDE_HOURS in attempt["reasons"]:
            day.off_hours += 1
        elif not attempt["allowed"]:
            day.blocked += 1
        else:
            day.allowed += 1
        if attempt["allowed"]:
            if attempt["channel"] == Channel.PHONE_CALL:
                day.calls += 1
            else:
                day.other += 1
    return list(by_day.values())


DAILY_LEGEND = [
    ("seg-allowed", gettext_lazy("made")),
    ("seg-off-hours", gettext_lazy("off hours (refused or overridden)")),
    ("seg-blocked", gettext_lazy("refused (other reasons)")),
]


def _daily_chart(days: list[Day], caps, title: str) -> Chart:
    columns = [
        (
            day_and_month(d.day),
            [(d.allowed, "seg-allowed"), (d.off_hours, "seg-off-hours"), (d.blocked, "seg-blocked")],
            _("%(day)s: %(total)s attempts (%(made)s made, %(off_hours)s off hours, %(refused)s refused)")
            % {
                "day": local_date(d.day),
                "total": d.total,
                "made": d.allowed,
                "off_hours": d.off_hours,
                "refused": d.blocked,
            },
        )
        for d in days
    ]
    return stacked_bar_chart(
        title,
        _("Attempts per day; refused and off-hours attempts highlighted; daily caps as lines."),
        columns,
        caps,
        DAILY_LEGEND,
    )


@dataclass
class Intensity:
    zone: str
    first: date
    last: date
    days: list[Day]
    daily: Chart
    rolling: Chart | None = None
    cases: list[dict] = field(default_factory=list)

    @property
    def totals(self) -> Day:
        total = Day(self.last)
        for day in self.days:
            total.allowed += day.allowed
            total.off_hours += day.off_hours
            total.blocked += day.blocked
        return total


def _window(zone: ZoneInfo, days: int, now: datetime | None):
    last = (now or timezone.now()).astimezone(zone).date()
    first = last - timedelta(days=days - 1)
    return first, last


def _start_of(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=zone)


ATTEMPT_FIELDS = ["started_at", "allowed", "reasons", "channel"]
# The caps drawn as lines: the profile's own fields, named by their labels.
DAILY_CAPS = ["connected_calls_per_day", "sms_per_day", "unanswered_calls_per_number_per_day"]
WEEKLY_CAPS = ["attempts_per_borrower_7d", "calls_per_debt_7d"]


def _caps(profile, names: list[str], css: str) -> list[tuple[str, int, str]]:
    return [
        (PolicyProfile._meta.get_field(name).verbose_name, getattr(profile, name), css)
        for name in names
        if getattr(profile, name)
    ]


def case_intensity(case, *, days: int = DEFAULT_DAYS, now: datetime | None = None) -> Intensity:
    """The case's outbound attempts per borrower-local day, with the profile's daily caps,
    and a second chart of rolling seven-day totals against the weekly caps."""
    zone = borrower_zone(case)
    first, last = _window(zone, days, now)
    profile = case.policy_profile
    attempts = list(
        case.contact_attempts.filter(
            direction=ContactAttempt.Direction.OUTBOUND,
            started_at__gte=_start_of(first - timedelta(days=ROLLING_DAYS - 1), zone),
            started_at__lt=_start_of(last + timedelta(days=1), zone),
        ).values(*ATTEMPT_FIELDS)
    )
    all_days = _days(attempts, zone, first - timedelta(days=ROLLING_DAYS - 1), last)
    shown = all_days[ROLLING_DAYS - 1 :]
    daily_caps = _caps(profile, DAILY_CAPS, "cap-daily")
    weekly_caps = _caps(profile, WEEKLY_CAPS, "cap-weekly")
    rolling_columns = []
    for index, day in enumerate(shown, start=ROLLING_DAYS - 1):
        window = all_days[index - ROLLING_DAYS + 1 : index + 1]
        calls, other = sum(d.calls for d in window), sum(d.other for d in window)
        rolling_columns.append(
            (
                day_and_month(day.day),
                [(calls, "seg-calls"), (other, "seg-other")],
                _("7 days to %(day)s: %(calls)s calls, %(other)s other contacts made")
                % {"day": local_date(day.day), "calls": calls, "other": other},
            )
        )
    rolling = stacked_bar_chart(
        _("Contacts made in the 7 days to each day"),
        _("Rolling seven-day totals against the weekly caps."),
        rolling_columns,
        weekly_caps,
        [("seg-calls", _("phone calls")), ("seg-other", _("other channels"))],
    )
    return Intensity(
        zone=str(zone),
        first=first,
        last=last,
        days=shown,
        daily=_daily_chart(shown, daily_caps, _("Attempts per day (borrower's local days)")),
        rolling=rolling,
    )


def agent_intensity(agent, *, days: int = DEFAULT_DAYS, now: datetime | None = None) -> Intensity:
    """The agent's attempts per day (server time zone) and the cases they worked, with
    refused, off-hours and overridden counts per case. Caps are per borrower, so they are
    drawn on each case's own chart, linked from the table."""
    zone = timezone.get_current_timezone()
    first, last = _window(zone, days, now)
    mine = ContactAttempt.objects.filter(
        agent=agent, started_at__gte=_start_of(first, zone), started_at__lt=_start_of(last + timedelta(days=1), zone)
    )
    rows = list(mine.values(*ATTEMPT_FIELDS, "case_id"))
    shown = _days(rows, zone, first, last)
    cases = list(
        mine.values("case_id", "case__account__loan_number")
        .annotate(
            attempts=Count("pk"),
            blocked=Count("pk", filter=Q(allowed=False)),
            overridden=Count("pk", filter=Q(overridden_by__isnull=False)),
        )
        .order_by("-blocked", "-attempts", "case_id")
    )
    off_hours = defaultdict(int)
    for row in rows:
        if Reason.OUTSIDE_HOURS in row["reasons"]:
            off_hours[row["case_id"]] += 1
    for row in cases:
        row["off_hours"] = off_hours[row["case_id"]]
    return Intensity(
        zone=str(zone),
        first=first,
        last=last,
        days=shown,
        daily=_daily_chart(shown, [], _("Attempts per day by %(agent)s") % {"agent": agent.get_username()}),
        cases=cases,
    )
