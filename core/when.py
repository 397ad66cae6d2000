"""Dates and times as people read them: in the reader's language's one style (Django's
locale formats, with ``core/formats`` for English), in a named zone, never ISO.

Use these for every date or time composed in Python; templates use the ``date`` filter
with ``DATE_FORMAT``, ``DATETIME_FORMAT`` or ``TIME_FORMAT``.
"""

from __future__ import annotations

from datetime import date, datetime, time, tzinfo

from django.utils import timezone
from django.utils.formats import date_format, time_format


def _in_zone(moment: datetime, zone: tzinfo | None) -> datetime:
    return moment.astimezone(zone) if zone is not None else timezone.localtime(moment)


def local_datetime(moment: datetime | None, zone: tzinfo | None = None, *, show_zone: bool = False) -> str:
    """``24 Nov 2026 09:30`` / ``2026年11月24日 09:30`` in ``zone`` (default: the site's),
    with the zone's abbreviation when ``show_zone``; "—" for no moment."""
    if moment is None:
        return "—"
    local = _in_zone(moment, zone)
    text = date_format(local, "DATETIME_FORMAT")
    return f"{text} {local.tzname()}" if show_zone else text


def local_date(day: date | datetime | None, zone: tzinfo | None = None) -> str:
    if day is None:
        return "—"
    if isinstance(day, datetime):
        day = _in_zone(day, zone).date()
    return date_format(day, "DATE_FORMAT")


def local_time(moment: datetime, zone: tzinfo | None = None, *, show_zone: bool = False) -> str:
    local = _in_zone(moment, zone)
    text = time_format(local, "TIME_FORMAT")
    return f"{text} {local.tzname()}" if show_zone else text


def time_of_day(clock: time) -> str:
    """A wall-clock time with no date or zone (a contact window's ``08:00``), in the
    language's time style."""
    return time_format(clock, "TIME_FORMAT")


def day_and_month(day: date) -> str:
    """A short day label for chart axes: ``24 Nov`` / ``11月24日``."""
    return date_format(day, "MONTH_DAY_FORMAT")
