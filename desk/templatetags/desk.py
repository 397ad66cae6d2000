from django import template

from .. import audience, home

register = template.Library()


@register.simple_tag
def administers_tables(user) -> bool:
    return audience.administers_tables(user)


@register.simple_tag
def home_counts(user) -> list[dict]:
    return home.counts(user)
