from django import template

from core.money import format_money

from .. import audience, home, notifications
from ..buckets import LABELS
from ..kpis import DEFINITION_TITLES

register = template.Library()


@register.simple_tag
def administers_tables(user) -> bool:
    return audience.administers_tables(user)


@register.simple_tag
def home_counts(user) -> list[dict]:
    return home.counts(user)


@register.filter
def percent(fraction) -> str:
    """A rate (a fraction, or None when there was nothing to divide) as "42.5%" / "—"."""
    if fraction is None:
        return "—"
    return f"{fraction * 100:.1f}%".replace(".0%", "%")


@register.filter
def amounts(by_currency) -> str:
    """{currency: amount} as "¥6,000.00 · £200.00" in the reader's locale; "—" if empty."""
    return " · ".join(format_money(amount, currency) for currency, amount in sorted((by_currency or {}).items())) or "—"


@register.filter
def per_thousand(value) -> str:
    return "—" if value is None else f"{value:.1f}"


@register.filter
def money_in(amount, currency) -> str:
    return format_money(amount, currency)


@register.filter
def bucket_label(bucket) -> str:
    return LABELS.get(bucket, "")


@register.filter
def definition_title(key) -> str:
    return DEFINITION_TITLES.get(key, "")


@register.simple_tag
def unread_notifications(user) -> int:
    """The header's count: one COUNT on the (user, read_at) index, on every staff page."""
    return notifications.unread_count(user)
