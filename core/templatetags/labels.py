"""Human labels for what would otherwise show as internal names: a model field's verbose
name (a history row's changed field), in the reader's language."""

from django import template
from django.core.exceptions import FieldDoesNotExist

from core.change_reasons import read_change_reason

register = template.Library()


@register.simple_tag
def field_label(opts, name: str) -> str:
    """The verbose name of field ``name`` of the model ``opts`` describes, capitalised."""
    try:
        label = opts.get_field(name).verbose_name
    except FieldDoesNotExist:
        return name.replace("_", " ")
    return str(label)[:1].upper() + str(label)[1:]


@register.filter
def get_item(mapping, key):
    """``mapping[key]``, or None: for labels kept in a dict by field name."""
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.filter
def change_reason(stored: str) -> str:
    """A history row's "why" in the reader's language (core.change_reasons)."""
    return read_change_reason(stored)
