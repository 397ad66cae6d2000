"""
Which query-string filters an admin list accepts: the ones its own filter sidebar makes,
and nothing else.

Django's admin, left alone, accepts any lookup on a model's own fields in the URL
(``?national_id__startswith=1101``, ``__regex``, ``__contains``): the result count then
answers questions about values the page shows masked, one character at a time, and a
crafted ``__regex`` can keep SQLite busy for seconds. Here a list accepts, for each of
its ``list_filter`` entries, only the parameters Django's own filter for it produces
(``__exact``, ``__isnull``, ``__isempty``, ``__gte``/``__lt`` for dates, ``__id__exact``
for relations), its simple filters' parameter names, its date hierarchy, and the
``limit_choices_to`` of foreign keys pointing at it (used by the admin's own pop-ups).
Anything else is refused with Django's 400 ("Filtering by … not allowed").

``install`` makes this the rule of every ModelAdmin, ours and third-party ones alike, so
a new admin is safe without remembering a mixin.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin import widgets

FILTER_SUFFIXES = ("exact", "isnull", "isempty", "gte", "lt", "id__exact")
DATE_HIERARCHY_SUFFIXES = ("year", "month", "day")


def allowed_filter_parameters(model_admin, request) -> set[str]:
    allowed = set()
    for item in model_admin.get_list_filter(request):
        if isinstance(item, type) and issubclass(item, admin.SimpleListFilter):
            allowed.add(item.parameter_name)
            continue
        path = item[0] if isinstance(item, (list, tuple)) else item
        if isinstance(path, str):
            allowed.update(f"{path}__{suffix}" for suffix in FILTER_SUFFIXES)
    if model_admin.date_hierarchy:
        allowed.update(f"{model_admin.date_hierarchy}__{part}" for part in DATE_HIERARCHY_SUFFIXES)
    return allowed


def lookup_allowed(self, lookup, value, request=None) -> bool:
    """ModelAdmin.lookup_allowed: the list's own filters only (see the module docstring)."""
    for fk_lookup in self.model._meta.related_fkey_lookups:
        if callable(fk_lookup):
            fk_lookup = fk_lookup()
        if (lookup, value) in widgets.url_params_from_lookup_dict(fk_lookup).items():
            return True
    return lookup in allowed_filter_parameters(self, request)


def install() -> None:
    admin.ModelAdmin.lookup_allowed = lookup_allowed
