"""
The report's draft: what the agent has typed so far and the files already sent, kept per
visit on the server (visits/draft_models.py). Saved as the agent types and with every
submission; read back whenever the report page opens; folded into the visit when the
report is filed (complete_visit deletes it).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core.exceptions import NotPermitted

from ..models import FieldVisit, VisitReportDraft, VisitState
from .workflow import VisitRefused, _is_assigned_agent

DRAFT_FILES = ("agreement_file", "receipt_file")
LONGEST_VALUE = 5000  # characters kept per field: more than any field takes


def save_draft(visit, *, by, values: dict, files=None) -> tuple[VisitReportDraft, dict[str, str]]:
    """Keep ``values`` (the report form's fields, as typed) and any file in ``files`` that
    is of an accepted kind and size, for an assigned agent while the visit is under way.
    Returns the draft and the files refused, by field, each with its sentence; a refused
    file leaves the one already kept in place."""
    if not _is_assigned_agent(by, visit):
        raise NotPermitted(_("%(username)s is not assigned to this visit.") % {"username": by.get_username()})
    if visit.state != VisitState.IN_PROGRESS:
        raise VisitRefused(_("The report can be written only while the visit is under way."))
    kept = {str(name): str(value)[:LONGEST_VALUE] for name, value in values.items() if name not in DRAFT_FILES}
    refused = {}
    with transaction.atomic():
        FieldVisit.objects.select_for_update().filter(pk=visit.pk).first()  # one saver at a time
        draft, _created = VisitReportDraft.objects.get_or_create(visit=visit, defaults={"saved_by": by})
        draft.values, draft.saved_by = kept, by
        for name in DRAFT_FILES:
            upload = (files or {}).get(name)
            if not upload:
                continue
            try:
                VisitReportDraft._meta.get_field(name).check_file(upload)
            except ValidationError as refusal:
                refused[name] = " ".join(refusal.messages)
                continue
            setattr(draft, name, upload)
        draft.save()
    return draft, refused


def draft_of(visit) -> VisitReportDraft | None:
    return VisitReportDraft.objects.filter(visit=visit).first()
