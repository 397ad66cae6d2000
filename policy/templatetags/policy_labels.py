"""Policy codes as people read them: ``{{ code|channel_label }}`` → "SMS" / "短信"."""

from django import template

from policy.codes import Channel

register = template.Library()


@register.filter
def channel_label(code: str) -> str:
    return str(dict(Channel.choices).get(code, code))
