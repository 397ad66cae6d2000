"""A history row's old and new values as people read them, for django-simple-history's
admin page: a stored code (a state, a kind) by its label, yes or no, a moment in the
reader's date style. simple-history prints the stored values as they are."""

from datetime import date, datetime

from django.utils.translation import gettext as _
from simple_history.template_utils import HistoricalRecordContextHelper

from .when import local_date, local_datetime


def readable(field, value):
    if value is None or value == "":
        return "—"
    if getattr(field, "choices", None):
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, datetime):
        return local_datetime(value)
    if isinstance(value, date):
        return local_date(value)
    return value


class ReadableChanges(HistoricalRecordContextHelper):
    def prepare_delta_change_value(self, change, value):
        value = super().prepare_delta_change_value(change, value)
        if isinstance(value, list):
            return value
        return readable(self.model._meta.get_field(change.field), value)
