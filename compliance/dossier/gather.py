"""
Gathering one case's dossier (``case_dossier``): the timeline, money and arrangements, and
history, in a fixed number of queries.
"""

from __future__ import annotations

from django.utils import timezone

from cases import limitation_text
from cases.models import CollectionCase
from cases.selectors import borrower_zone

from ..selectors import field_visit_model
from .history import _history_changes
from .records import Dossier, _Clock, _shown_point
from .timeline import (
    _attempt_entry,
    _complaint_entries,
    _event_entries,
    _finding_entries,
    _unsent_message_entries,
    _visit_entries,
)


def case_dossier(case_id, *, full_national_id: bool, full_contact: bool) -> Dossier:
    """Everything a reviewer needs about one case, the borrower's consent ledger included
    (one query each for consents, withdrawals and inbound messages). Raises
    CollectionCase.DoesNotExist."""
    case = (
        CollectionCase.objects.select_related("account__borrower", "assigned_collector")
        .prefetch_related("account__borrower__contact_points")
        .get(pk=case_id)
    )
    account, borrower = case.account, case.account.borrower
    zone = borrower_zone(case)
    clock = _Clock(zone)
    attempts = case.contact_attempts.select_related(
        "agent", "contact_point", "overridden_by", "template", "profile", "outbound_message__template"
    )
    timeline = [
        *_event_entries(case, clock),
        *(_attempt_entry(attempt, clock, full_contact) for attempt in attempts),
        *_unsent_message_entries(case, clock),
        *_visit_entries(case, clock),
        *_complaint_entries(case, clock),
        *_finding_entries(case, clock),
    ]
    timeline.sort(key=lambda entry: entry.at)
    return Dossier(
        case=case,
        account=account,
        borrower=borrower,
        profile_label=case.policy_profile.label,
        zone=str(zone),
        national_id=borrower.national_id if full_national_id else borrower.national_id_masked,
        contact_points=[(point, _shown_point(point, full_contact)) for point in borrower.contact_points.all()],
        timeline=timeline,
        payments=list(account.payments.select_related("recorded_by").order_by("paid_at", "pk")),
        holds=list(case.holds.select_related("placed_by", "released_by").order_by("starts_at", "pk")),
        promises=list(case.promises.select_related("created_by").order_by("created_at", "pk")),
        plans=list(
            case.repayment_plans.select_related("created_by", "approved_by")
            .prefetch_related("installments")
            .order_by("created_at", "pk")
        ),
        history=_history_changes(case, clock, full_national_id=full_national_id, full_contact=full_contact),
        other_cases=list(CollectionCase.objects.filter(account=account).exclude(pk=case.pk).order_by("-opened_at")),
        visits_included=field_visit_model() is not None,
        forbearance=list(case.forbearance_assessments.select_related("assessed_by").order_by("assessed_at", "pk")),
        limitation=limitation_text.describe(account.limitation(case.policy_profile), today=timezone.localdate()),
        consents=list(borrower.consents.select_related("contact_point", "recorded_by").order_by("granted_at", "pk")),
        revocations=list(
            borrower.consent_revocations.select_related("contact_point", "recorded_by", "inbound_message").order_by(
                "revoked_at", "pk"
            )
        ),
        inbound_messages=list(
            borrower.inbound_messages.select_related("contact_point", "revocation").order_by("received_at", "pk")
        ),
    )
