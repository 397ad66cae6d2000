"""Instants for tests: in a borrower's own zone, relative to today, and a frozen clock."""

from datetime import datetime, time, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

from django.utils import timezone

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")
LOS_ANGELES = ZoneInfo("America/Los_Angeles")


def local(zone, day_offset=7, hour=10, minute=0) -> datetime:
    """An instant ``day_offset`` days from today at hour:minute in ``zone`` (future, so
    holds placed now are already active then)."""
    day = timezone.localdate() + timedelta(days=day_offset)
    return datetime.combine(day, time(hour, minute), tzinfo=zone)


def ago(days=0, hours=0, minutes=0) -> datetime:
    return timezone.now() - timedelta(days=days, hours=hours, minutes=minutes)


def frozen(at: datetime):
    """Django's clock stopped at ``at`` (the code under test reads timezone.now())."""
    return mock.patch("django.utils.timezone.now", return_value=at)


def window(day_offset=3, hour=10) -> tuple[datetime, datetime]:
    """A two-hour field-visit window, Shanghai time."""
    start = local(SHANGHAI, day_offset=day_offset, hour=hour)
    return start, start + timedelta(hours=2)
