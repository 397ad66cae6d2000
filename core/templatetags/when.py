"""Dates and times with their zone, in the reader's language's one style (core.when).

``{{ moment|timezone:zone|with_zone }}`` → "24 Nov 2026 09:30 CST" / "2026年11月24日 09:30 CST";
``|time_with_zone`` → "09:30 CST". The value keeps the zone it carries (a ``timezone``
filter before it picks the borrower's)."""

from datetime import datetime

from django import template
from django.utils.formats import date_format, time_format
from django.utils.timezone import template_localtime

register = template.Library()


@register.filter
def with_zone(moment) -> str:
    if not moment:
        return "—"
    moment = template_localtime(moment)  # the site's zone, unless a timezone filter chose one
    return f"{date_format(moment, 'DATETIME_FORMAT')} {moment.tzname() or ''}".strip()


@register.filter
def time_with_zone(moment) -> str:
    if not moment:
        return "—"
    moment = template_localtime(moment)
    return f"{time_format(moment, 'TIME_FORMAT')} {moment.tzname() or ''}".strip()


@register.filter
def iso_with_zone(text: str | None) -> str:
    """A moment kept as ISO text in stored JSON (a snapshot's inputs), shown like any other."""
    if not text:
        return ""
    return with_zone(datetime.fromisoformat(text))
