"""A visit request's eligibility snapshot, worded when read: each check keeps its rule, its
outcome and its inputs (visits/services/request.py), and reads in the reader's language.
A check this code cannot word shows the sentence it kept, as recorded at the time."""

from django import template

from cases.guard_text import as_recorded, explain

from ..services.request import region_explanation

register = template.Library()


@register.simple_tag
def check_text(check: dict, currency: str | None = None) -> str:
    if check.get("rule") == "region_covered":
        return region_explanation(check)
    text = explain(str(check.get("rule", "")), bool(check.get("passed")), check.get("inputs") or {}, currency=currency)
    if text is not None:
        return text
    kept = check.get("explanation") or ""
    return as_recorded(kept) if kept else "—"
