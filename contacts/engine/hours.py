"""
The contact window: borrower-local hours, public holidays and closed weekdays, in every
candidate zone at once (Reg F 1006.6(b)(1)(i) commentary: with conflicting zones, every
one must be convenient). Pure functions of the engine's Facts, like the rules.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from policy.codes import Channel, Reason

from .refusal import Refusal

if TYPE_CHECKING:
    from .rules import Facts

# Letters are posted, not delivered at the moment of sending: no calling hours.
CHANNELS_WITHOUT_HOURS = {Channel.LETTER}


def _closed_days(f: Facts, zone: str, day: date) -> bool:
    """A public holiday or a weekday the profile keeps free (EU-CCD2 policy: Sundays)."""
    return day in f.profile.holiday_dates or day.isoweekday() in f.profile.closed_weekday_numbers


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
    key = ("open", id(f.profile), f.zones, after)
    if key not in f.memo:
        f.memo[key] = _next_open_instant(f, after)
    return f.memo[key]


def _next_open_instant(f: Facts, after: datetime) -> datetime | None:
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
    key = ("hours", f.channel, f.at, id(f.profile), f.zones)
    if key not in f.memo:
        f.memo[key] = _contact_hours(f)
    refusal = f.memo[key]
    # Each decision keeps parameters of its own, whoever computed them first.
    return refusal if refusal is None else Refusal(refusal.reason, dict(refusal.params), refusal.until)


def _contact_hours(f: Facts):
    start, end = f.profile.contact_window_start, f.profile.contact_window_end
    for zone in f.zones:
        local = f.at.astimezone(ZoneInfo(zone))
        if _closed_days(f, zone, local.date()):
            reason = Reason.HOLIDAY if local.date() in f.profile.holiday_dates else Reason.CLOSED_DAY
            return Refusal(reason, {"day": local.date().isoformat(), "zone": zone}, next_open_instant(f, f.at))
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
