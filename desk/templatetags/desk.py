from django import template

from .. import audience, home, notifications

register = template.Library()


@register.simple_tag
def administers_tables(user) -> bool:
    return audience.administers_tables(user)


@register.simple_tag
def home_counts(user) -> list[dict]:
    return home.counts(user)


@register.simple_tag
def unread_notifications(user) -> int:
    """The header's count: one COUNT on the (user, read_at) index, on every staff page."""
    return notifications.unread_count(user)
