"""
The case dossier: everything that happened on a case, for a reviewer to read, print or
export. The timeline (events, every contact attempt allowed, blocked or overridden with
the template and exact text sent, outbox messages never sent, field visits, complaints,
findings), the money and arrangements, and every history diff with its user and reason.

A fixed number of queries whatever the case's length: one per kind of record and one
per history table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
import json
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from cases.models import (
    Borrower,
    CollectionCase,
    ContactPoint,
    Hold,
    Installment,
    LoanAccount,
    Payment,
    PromiseToPay,
    RepaymentPlan,
)
from cases.selectors import borrower_zone
from contacts.models import ChannelOptOut, ContactAttempt, OutboundMessage
from core.masking import mask_national_id
from policy.codes import Reason

from .models import Complaint, Finding, ReviewSample
from .selectors import field_visit_model


def admin_url(model_label: str, pk) -> str:
    """The admin change page of a record, or "" when that model has none."""
    app_label, model_name = model_label.split(".")
    try:
        return reverse(f"admin:{app_label}_{model_name.lower()}_change", args=[pk])
    except NoReverseMatch:
        return ""


@dataclass
class Entry:
    at: datetime
    borrower_local: str
    section: str  # event, attempt, message, visit, complaint, finding
    kind: str
    actor: str
    summary: str
    details: list[str] = field(default_factory=list)
    blocked: bool = False
    overridden: bool = False
    off_hours: bool = False
    reasons: tuple[str, ...] = ()
    template: str = ""
    message_text: str = ""
    record: str = ""  # app_label.Model#pk
    url: str = ""


@dataclass
class HistoryChange:
    at: datetime
    borrower_local: str
    model: str
    object_id: int
    url: str
    change_type: str  # created, changed, deleted
    user: str
    reason: str
    changes: list[tuple[str, str, str]]  # field, before, after


@dataclass
class Dossier:
    case: CollectionCase
    account: LoanAccount
    borrower: Borrower
    profile_label: str
    zone: str
    national_id: str
    contact_points: list[tuple[ContactPoint, str]]
    timeline: list[Entry]
    payments: list[Payment]
    holds: list[Hold]
    promises: list[PromiseToPay]
    plans: list[RepaymentPlan]
    history: list[HistoryChange]
    other_cases: list[CollectionCase]
    visits_included: bool


class _Clock:
    """Server time and the borrower's local time, the way reviewers read both."""

    def __init__(self, zone: ZoneInfo):
        self.zone = zone

    def local(self, instant: datetime | None) -> str:
        if instant is None:
            return ""
        moment = instant.astimezone(self.zone)
        return f"{moment:%Y-%m-%d %H:%M} {moment.tzname()}"


def _shown_point(point: ContactPoint | None, full: bool) -> str:
    if point is None:
        return ""
    return point.value if full else point.masked_value


def _attempt_entry(attempt: ContactAttempt, clock: _Clock, full_contact: bool) -> Entry:
    who = attempt.agent.get_username() if attempt.agent_id else "system"
    to = _shown_point(attempt.contact_point, full_contact)
    parts = [f"{attempt.get_direction_display()} {attempt.get_channel_display().lower()}" + (f" to {to}" if to else "")]
    if attempt.allowed:
        parts.append(attempt.get_outcome_display() or "no outcome")
        if attempt.party_reached != ContactAttempt.Party.NONE:
            parts.append(f"reached: {attempt.get_party_reached_display().lower()}")
    else:
        parts.append("REFUSED: " + " ".join(attempt.explanations))
    details = [f"Judged under {attempt.profile.label}."]
    if attempt.note:
        details.append(f"Note: {attempt.note}")
    if attempt.was_overridden:
        details.append(f"Override by {attempt.overridden_by.get_username()}: {attempt.override_reason}")
    if not attempt.allowed and attempt.next_allowed_at:
        details.append(f"Allowed again from {clock.local(attempt.next_allowed_at)}.")
    sent = getattr(attempt, "outbound_message", None)
    text = attempt.message_text or (sent.body if sent is not None else "")
    template = attempt.template or (sent.template if sent is not None else None)
    return Entry(
        at=attempt.started_at,
        borrower_local=clock.local(attempt.started_at),
        section="attempt",
        kind=attempt.get_channel_display(),
        actor=who,
        summary=" · ".join(parts),
        details=details,
        blocked=not attempt.allowed,
        overridden=attempt.was_overridden,
        off_hours=Reason.OUTSIDE_HOURS in attempt.reasons,
        reasons=tuple(attempt.reasons),
        template=f"{template.code} v{template.version}" if template else "",
        message_text=text,
        record=f"contacts.ContactAttempt#{attempt.pk}",
        url=admin_url("contacts.ContactAttempt", attempt.pk),
    )


def _event_entries(case, clock):
    for event in case.events.select_related("actor"):
        moved = f"{event.from_state} → {event.to_state}. " if event.to_state else ""
        yield Entry(
            at=event.at,
            borrower_local=clock.local(event.at),
            section="event",
            kind=event.get_kind_display(),
            actor=event.actor_label,
            summary=(moved + event.reason).strip(),
            details=[
                f"{'✓' if rule.get('passed') else '✗'} {rule.get('rule')}: {rule.get('explanation', '')}"
                for rule in event.rules
            ]
            + ([f"Profile {event.profile_label}."] if event.profile_label else []),
            record=f"cases.CaseEvent#{event.pk}",
        )


def _unsent_message_entries(case, clock):
    """Outbox rows that never became a contact (scheduled, suppressed, failed): they show
    the system stopping, or about to send."""
    for message in case.outbound_messages.filter(attempt__isnull=True).select_related("template"):
        at = message.sent_at or message.scheduled_for
        reasons = tuple(message.suppressed_reasons)
        yield Entry(
            at=at,
            borrower_local=clock.local(at),
            section="message",
            kind=f"{message.get_channel_display()} {message.get_purpose_display().lower()}",
            actor="system",
            summary=f"{message.get_state_display()}"
            + (f": {', '.join(reasons)}" if reasons else "")
            + (f" — {message.last_error}" if message.last_error else ""),
            reasons=reasons,
            template=f"{message.template.code} v{message.template.version}",
            message_text=message.body,
            record=f"contacts.OutboundMessage#{message.pk}",
            url=admin_url("contacts.OutboundMessage", message.pk),
        )


def _visit_entries(case, clock):
    """Field visits, once the visits app provides FieldVisit (see selectors.field_visit_model)."""
    FieldVisit = field_visit_model()
    if FieldVisit is None:
        return
    for visit in FieldVisit.objects.filter(case=case).select_related("requested_by"):
        at = getattr(visit, "requested_at", None) or timezone.now()
        missing = visit.missing_report_items() if hasattr(visit, "missing_report_items") else []
        state = visit.get_state_display() if hasattr(visit, "get_state_display") else getattr(visit, "state", "")
        yield Entry(
            at=at,
            borrower_local=clock.local(at),
            section="visit",
            kind=f"Field visit ({state})",
            actor=visit.requested_by.get_username() if getattr(visit, "requested_by_id", None) else "system",
            summary=getattr(visit, "reason", "") or str(visit),
            details=[f"Report missing: {', '.join(missing)}."] if missing and state else [],
            record=f"visits.FieldVisit#{visit.pk}",
            url=admin_url("visits.FieldVisit", visit.pk),
        )


def _complaint_entries(case, clock):
    about_this_case = Q(case=case) | Q(borrower_id=case.account.borrower_id, case__isnull=True)
    for complaint in Complaint.objects.filter(about_this_case).select_related("recorded_by", "agent"):
        yield Entry(
            at=complaint.received_at,
            borrower_local=clock.local(complaint.received_at),
            section="complaint",
            kind=f"Complaint: {complaint.get_category_display()}",
            actor=complaint.recorded_by.get_username(),
            summary=complaint.description,
            details=([f"About {complaint.agent.get_username()}."] if complaint.agent_id else [])
            + (
                [f"Resolved {clock.local(complaint.resolved_at)}: {complaint.resolution}"]
                if complaint.resolved_at
                else ["Open."]
            ),
            record=f"compliance.Complaint#{complaint.pk}",
            url=admin_url("compliance.Complaint", complaint.pk),
        )


def _finding_entries(case, clock):
    for finding in case.findings.select_related("reviewer"):
        yield Entry(
            at=finding.detected_at,
            borrower_local=clock.local(finding.detected_at),
            section="finding",
            kind=f"Finding: {finding.get_rule_display()} ({finding.severity})",
            actor=finding.reviewer.get_username() if finding.reviewer_id else "scan",
            summary=finding.summary,
            details=[f"{finding.get_status_display()}. {finding.review_note}".strip()],
            record=f"compliance.Finding#{finding.pk}",
            url=admin_url("compliance.Finding", finding.pk),
        )


# --- history diffs --------------------------------------------------------------------------


def _history_sources(case: CollectionCase):
    """(model, filter on its history) for the case and every row related to it."""
    account_id, borrower_id = case.account_id, case.account.borrower_id
    plans = RepaymentPlan.objects.filter(case=case).values("pk")
    sources = [
        (Borrower, Q(id=borrower_id)),
        (ContactPoint, Q(borrower_id=borrower_id)),
        (ChannelOptOut, Q(borrower_id=borrower_id)),
        (LoanAccount, Q(id=account_id)),
        (Payment, Q(account_id=account_id)),
        (CollectionCase, Q(id=case.pk)),
        (Hold, Q(case_id=case.pk)),
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


def _shown(value, clock: _Clock) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return clock.local(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return str(getattr(value, "name", value))


def _history_changes(case, clock, *, full_national_id: bool, full_contact: bool) -> list[HistoryChange]:
    User = get_user_model()
    found, user_fields = [], set()
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

    user_ids = {
        value
        for label, _, _, changes in found
        for name, old, new in changes
        if (label, name) in user_fields
        for value in (old, new)
        if value
    }
    usernames = dict(User.objects.filter(pk__in=user_ids).values_list("pk", User.USERNAME_FIELD)) if user_ids else {}

    def shown(label, name, value, record):
        if (label, name) in user_fields and value:
            return usernames.get(value, f"user {value}")
        masked = MASKED_FIELDS.get((label, name))
        if value and masked == "national_id" and not full_national_id:
            return mask_national_id(value)
        if value and masked == "contact" and not full_contact:
            return ContactPoint(kind=record.kind, value=value).masked_value
        return _shown(value, clock)

    history = [
        HistoryChange(
            at=record.history_date,
            borrower_local=clock.local(record.history_date),
            model=label,
            object_id=object_id,
            url=admin_url(label, object_id),
            change_type=CHANGE_TYPES.get(record.history_type, record.history_type),
            user=record.history_user.get_username() if record.history_user_id else "system",
            reason=record.history_change_reason or "",
            changes=[
                (name, shown(label, name, old, record), shown(label, name, new, record)) for name, old, new in changes
            ],
        )
        for label, object_id, record, changes in found
    ]
    history.sort(key=lambda change: (change.at, change.model, change.object_id))
    return history


# --- the dossier --------------------------------------------------------------------------------


def case_dossier(case_id, *, full_national_id: bool, full_contact: bool) -> Dossier:
    """Everything a reviewer needs about one case. Raises CollectionCase.DoesNotExist."""
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
    )


# --- CSV ------------------------------------------------------------------------------------------

CSV_HEADER = [
    "section",
    "at (UTC)",
    "borrower local time",
    "what",
    "who",
    "summary",
    "details",
    "blocked",
    "overridden",
    "off hours",
    "reasons",
    "template",
    "message text",
    "record",
]


def _utc(instant: datetime | None) -> str:
    return instant.astimezone(ZoneInfo("UTC")).isoformat() if instant else ""


def csv_rows(dossier: Dossier):
    """The dossier as rows for a spreadsheet: the timeline, then money and arrangements,
    then every history diff."""
    yield CSV_HEADER
    flag = {True: "yes", False: ""}
    for entry in dossier.timeline:
        yield [
            entry.section,
            _utc(entry.at),
            entry.borrower_local,
            entry.kind,
            entry.actor,
            entry.summary,
            " | ".join(entry.details),
            flag[entry.blocked],
            flag[entry.overridden],
            flag[entry.off_hours],
            " ".join(entry.reasons),
            entry.template,
            entry.message_text,
            entry.record,
        ]
    for payment in dossier.payments:
        yield [
            "payment",
            _utc(payment.paid_at),
            "",
            payment.get_source_display(),
            payment.recorded_by.get_username() if payment.recorded_by_id else "system",
            f"{payment.amount} {payment.currency} ({payment.reference})",
            f"recorded {_utc(payment.recorded_at)}",
            "",
            "",
            "",
            "",
            "",
            "",
            f"cases.Payment#{payment.pk}",
        ]
    for hold in dossier.holds:
        yield [
            "hold",
            _utc(hold.starts_at),
            "",
            hold.get_kind_display(),
            hold.placed_by.get_username() if hold.placed_by_id else "system",
            hold.note,
            f"ends {_utc(hold.ends_at) or 'when released'}; released {_utc(hold.released_at) or 'no'}",
            "",
            "",
            "",
            "",
            "",
            "",
            f"cases.Hold#{hold.pk}",
        ]
    for promise in dossier.promises:
        yield [
            "promise",
            _utc(promise.created_at),
            "",
            promise.get_status_display(),
            promise.created_by.get_username(),
            f"{promise.amount} {promise.currency} by {promise.due_date}",
            promise.note,
            "",
            "",
            "",
            "",
            "",
            "",
            f"cases.PromiseToPay#{promise.pk}",
        ]
    for plan in dossier.plans:
        yield [
            "plan",
            _utc(plan.created_at),
            "",
            plan.get_status_display(),
            plan.created_by.get_username(),
            f"{plan.total_amount} {plan.currency}, {len(plan.installments.all())} instalments",
            plan.note,
            "",
            "",
            "",
            "",
            "",
            "",
            f"cases.RepaymentPlan#{plan.pk}",
        ]
    for change in dossier.history:
        yield [
            "history",
            _utc(change.at),
            change.borrower_local,
            f"{change.model} #{change.object_id} {change.change_type}",
            change.user,
            change.reason,
            " | ".join(f"{name}: {old} → {new}" for name, old, new in change.changes),
            "",
            "",
            "",
            "",
            "",
            "",
            f"{change.model}#{change.object_id}",
        ]
