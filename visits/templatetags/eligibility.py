"""A visit request's eligibility snapshot, worded when read: each check keeps its rule, its
outcome and its inputs (visits/services/request.py), and reads in the reader's language.
A check this code cannot word shows the sentence it kept, as recorded at the time."""

from django import template
from django.utils.translation import gettext as _

from cases.guard_text import as_recorded, explain

register = template.Library()


def _region(check: dict) -> str:
    inputs = check.get("inputs") or {}
    region = inputs.get("region") or _("(unknown)")
    if check.get("passed"):
        return _("Region %(region)s: covered by %(agents)s.") % {
            "region": region,
            "agents": ", ".join(inputs.get("agents") or []),
        }
    return _("Region %(region)s: no field partner or own staff covers it.") % {"region": region}


@register.simple_tag
def check_text(check: dict, currency: str | None = None) -> str:
    if check.get("rule") == "region_covered":
        return _region(check)
    text = explain(str(check.get("rule", "")), bool(check.get("passed")), check.get("inputs") or {}, currency=currency)
    if text is not None:
        return text
    kept = check.get("explanation") or ""
    return as_recorded(kept) if kept else "—"
