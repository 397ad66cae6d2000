"""
The ledger read by people: each sealed table named by what it holds ("Borrower, past
version") and each hashed column by its field's label, in the reader's language, rather
than by database names (``cases_historicalborrower``, ``history_user_id``).
"""

from __future__ import annotations

from functools import cache

from django.contrib import admin
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.models import HistoricalChanges

from .ledger import chained_models


@cache
def _models_by_table() -> dict:
    return {model._meta.db_table: model for model in chained_models()}


def _capitalised(text) -> str:
    text = str(text)
    return text[:1].upper() + text[1:]


def table_label(table: str) -> str:
    model = _models_by_table().get(table)
    if model is None:
        return _("a table no longer in use")
    if any(field.name == "m2m_history_id" for field in model._meta.fields):
        # A many-to-many link's history (a visit's agents): named by the two records it links.
        linked = [f.related_model for f in model._meta.fields if f.is_relation and f.name != "history"]
        record = " · ".join(_capitalised(related._meta.verbose_name) for related in linked)
        return _("%(record)s, version") % {"record": record}
    if issubclass(model, HistoricalChanges):
        return _("%(record)s, version") % {"record": _capitalised(model.instance_type._meta.verbose_name)}
    return _capitalised(model._meta.verbose_name)


# django-simple-history's own columns on every history table, named in English by it.
HISTORY_COLUMNS = {
    "history_id": gettext_lazy("history row"),
    "history_date": gettext_lazy("changed at"),
    "history_change_reason": gettext_lazy("why"),
    "history_type": gettext_lazy("kind of change"),
    "history_user_id": gettext_lazy("changed by"),
}


def field_labels(table: str, fields: str) -> str:
    model = _models_by_table().get(table)
    labels = []
    for name in fields.split():
        field = next((f for f in model._meta.concrete_fields if f.attname == name), None) if model else None
        if name in HISTORY_COLUMNS:
            labels.append(str(HISTORY_COLUMNS[name]))
        elif field is not None:
            labels.append(str(field.verbose_name))
        else:
            labels.append(_("a column no longer in use"))
    return ", ".join(labels)


class LedgerTableFilter(admin.SimpleListFilter):
    title = gettext_lazy("record")
    parameter_name = "table"

    def lookups(self, request, model_admin):
        return sorted(((table, table_label(table)) for table in _models_by_table()), key=lambda pair: pair[1])

    def queryset(self, request, queryset):
        return queryset.filter(table_name=self.value()) if self.value() else queryset
