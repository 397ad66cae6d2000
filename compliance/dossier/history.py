"""
Every history diff of the case and the rows around it, one query per history table, with
its user and reason, personal data masked for viewers who may not see it in full.
"""

from __future__ import annotations

from datetime import datetime
import json

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext as _

from cases.models import (
    Borrower,
    CollectionCase,
    ContactPoint,
    ForbearanceAssessment,
    Hold,
    Installment,
    LoanAccount,
    Payment,
    PromiseToPay,
    RepaymentPlan,
)
from contacts.models import ChannelOptOut, Consent, ConsentRevocation, ContactAttempt, OutboundMessage
from core.change_reasons import read_change_reason
from core.history_values import readable
from core.masking import mask_national_id

from ..models import Complaint, Finding, ReviewSample
from ..selectors import field_visit_model
from .records import HistoryChange, _Clock, admin_url


def _history_sources(case: CollectionCase):
    """(model, filter on its history) for the case and every row related to it."""
    account_id, borrower_id = case.account_id, case.account.borrower_id
    plans = RepaymentPlan.objects.filter(case=case).values("pk")
    sources = [
        (Borrower, Q(id=borrower_id)),
        (ContactPoint, Q(borrower_id=borrower_id)),
        (ChannelOptOut, Q(borrower_id=borrower_id)),
        (Consent, Q(borrower_id=borrower_id)),
        (ConsentRevocation, Q(borrower_id=borrower_id)),
        (LoanAccount, Q(id=account_id)),
        (Payment, Q(account_id=account_id)),
        (CollectionCase, Q(id=case.pk)),
        (Hold, Q(case_id=case.pk)),
        (ForbearanceAssessment, Q(case_id=case.pk)),
        (PromiseToPay, Q(case_id=case.pk)),
        (RepaymentPlan, Q(case_id=case.pk)),
        (Installment, Q(plan_id__in=plans)),
        (ContactAttempt, Q(case_id=case.pk)),
        (OutboundMessage, Q(case_id=case.pk)),
        (Complaint, Q(case_id=case.pk)),
        (Finding, Q(case_id=case.pk)),
        (ReviewSample, Q(case_id=case.pk)),
    ]
    FieldVisit = field_visit_model()
    if FieldVisit is not None and hasattr(FieldVisit, "history"):
        sources.append((FieldVisit, Q(case_id=case.pk)))
    return sources


# Personal data in history values, masked for viewers without the matching permission.
MASKED_FIELDS = {("cases.Borrower", "national_id"): "national_id", ("cases.ContactPoint", "value"): "contact"}
CHANGE_TYPES = {"+": "created", "~": "changed", "-": "deleted"}


def _capitalised(text) -> str:
    text = str(text)
    return text[:1].upper() + text[1:]


def _shown(value, clock: _Clock, field=None) -> str:
    """As the admin's history page shows it (core.history_values), but a moment in the
    borrower's zone and JSON as text."""
    if isinstance(value, datetime):
        return clock.local(value)
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    shown = readable(field, value)
    return str(getattr(shown, "name", shown))


def _history_changes(case, clock, *, full_national_id: bool, full_contact: bool) -> list[HistoryChange]:
    User = get_user_model()
    found, user_fields, labels_of, fields_of = [], set(), {}, {}
    for model, condition in _history_sources(case):
        label = model._meta.label
        pk_name = model._meta.pk.name
        historical = model.history.model
        compared = [f.name for f in historical.tracked_fields if f.editable and not f.many_to_many]
        user_fields.update(
            (label, f.name) for f in historical.tracked_fields if f.is_relation and f.related_model is User
        )
        previous = {}
        for record in (
            model.history.filter(condition)
            .select_related("history_user")
            .order_by(pk_name, "history_date", "history_id")
        ):
            object_id = getattr(record, pk_name)
            before = previous.get(object_id)
            changes = []
            if before is not None and record.history_type != "-":
                delta = record.diff_against(before, included_fields=compared)
                changes = [(change.field, change.old, change.new) for change in delta.changes]
            previous[object_id] = record
            found.append((label, object_id, record, changes))
        fields_of[label] = {f.name: f for f in model._meta.concrete_fields}
        labels_of[label] = (
            _capitalised(model._meta.verbose_name),
            {f.name: _capitalised(f.verbose_name) for f in model._meta.concrete_fields},
        )

    user_ids = {
        value
        for label, _object_id, _record, changes in found
        for name, old, new in changes
        if (label, name) in user_fields
        for value in (old, new)
        if value
    }
    usernames = dict(User.objects.filter(pk__in=user_ids).values_list("pk", User.USERNAME_FIELD)) if user_ids else {}

    def shown(label, name, value, record):
        if (label, name) in user_fields and value:
            return usernames.get(value, _("user %(id)s") % {"id": value})
        masked = MASKED_FIELDS.get((label, name))
        if value and masked == "national_id" and not full_national_id:
            return mask_national_id(value)
        if value and masked == "contact" and not full_contact:
            return ContactPoint(kind=record.kind, value=value).masked_value
        return _shown(value, clock, fields_of[label].get(name))

    history = [
        HistoryChange(
            at=record.history_date,
            borrower_local=clock.local(record.history_date),
            model=label,
            object_id=object_id,
            url=admin_url(label, object_id),
            change_type=CHANGE_TYPES.get(record.history_type, record.history_type),
            user=record.history_user.get_username() if record.history_user_id else _("system"),
            reason=read_change_reason(record.history_change_reason),
            changes=[
                (name, shown(label, name, old, record), shown(label, name, new, record)) for name, old, new in changes
            ],
            record_label=labels_of[label][0],
            field_labels=labels_of[label][1],
        )
        for label, object_id, record, changes in found
    ]
    history.sort(key=lambda change: (change.at, change.model, change.object_id))
    return history
