"""Reason codes as people read them: ``{{ entry.reasons|reason_labels }}`` shows "Case is
on hold, Daily limit reached", never ``case_on_hold``, in the reader's language."""

from django import template

from contacts.refusals import joined
from contacts.refusals import reason_labels as labels_of

register = template.Library()


@register.filter
def reason_labels(codes) -> str:
    return joined(labels_of(codes))
