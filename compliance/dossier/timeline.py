"""
The timeline's entries, one query per kind of record: case events, contact attempts (allowed,
blocked or overridden, with the template and the exact text sent), outbox messages never
sent, field visits, complaints and findings.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import event_text
from cases.guard_text import as_recorded
from contacts.models import ContactAttempt
from contacts.refusals import next_allowed_sentence
from policy.codes import Reason

from ..models import Complaint
from ..selectors import field_visit_model
from .records import Entry, _Clock, _shown_point, admin_url


def _attempt_entry(attempt: ContactAttempt, clock: _Clock, full_contact: bool) -> Entry:
    """One contact attempt, worded for the reader: a refusal from its codes and parameters,
    in their language. The words the agent was shown at the time, in the agent's language,
    are on the attempt's own page (linked), as evidence of what they were told."""
    who = attempt.agent.get_username() if attempt.agent_id else _("system")
    to = _shown_point(attempt.contact_point, full_contact)
    contact = {"direction": attempt.get_direction_display(), "channel": attempt.get_channel_display().lower()}
    parts = [
        _("%(direction)s %(channel)s to %(point)s") % {**contact, "point": to}
        if to
        else _("%(direction)s %(channel)s") % contact
    ]
    if attempt.allowed:
        parts.append(attempt.get_outcome_display() or _("no outcome"))
        if attempt.party_reached != ContactAttempt.Party.NONE:
            parts.append(_("reached: %(party)s") % {"party": attempt.get_party_reached_display().lower()})
    else:
        parts.append(_("REFUSED: %(reasons)s") % {"reasons": " ".join(attempt.refusal_explanations)})
    details = [_("Judged under %(profile)s.") % {"profile": attempt.profile.label}]
    if attempt.note:
        details.append(_("Note: %(note)s") % {"note": attempt.note})
    if attempt.was_overridden:
        details.append(
            _("Override by %(username)s: %(reason)s")
            % {"username": attempt.overridden_by.get_username(), "reason": attempt.override_reason}
        )
    if not attempt.allowed and attempt.next_allowed_at:
        details.append(next_allowed_sentence(attempt.next_allowed_at, clock.zone))
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
    """Case events in the reviewer's language (cases/event_text.py): states by their labels,
    each rule checked by its name and what it found. An older event also kept the sentence
    shown when it was decided: it stays in the dossier as evidence, marked as such."""
    currency = case.account.currency
    for event in case.events.select_related("actor"):
        said, kept = event_text.describe(event), event_text.kept_sentence(event)
        yield Entry(
            at=event.at,
            borrower_local=clock.local(event.at),
            section="event",
            kind=event.get_kind_display(),
            actor=event.actor_label,
            summary=event_text.summary(event),
            details=([as_recorded(kept)] if kept and kept != said else [])
            + event_text.checked_rules(event, currency=currency, evidence=True)
            + ([_("Policy profile %(label)s.") % {"label": event.profile_label}] if event.profile_label else []),
            record=f"cases.CaseEvent#{event.pk}",
        )


def _unsent_message_entries(case, clock):
    """Outbox rows that never became a contact (scheduled, suppressed, failed): they show
    the system stopping, or about to send. Why one was dropped is worded for the reader."""
    for message in case.outbound_messages.filter(attempt__isnull=True).select_related("template"):
        at = message.sent_at or message.scheduled_for
        reasons = tuple(message.suppressed_reasons)
        summary = message.get_state_display()
        if reasons:
            summary = _("%(state)s: %(reasons)s") % {
                "state": summary,
                "reasons": " ".join(message.suppression_explanations),
            }
        yield Entry(
            at=at,
            borrower_local=clock.local(at),
            section="message",
            kind=_("%(purpose)s · %(channel)s")
            % {"purpose": message.get_purpose_display(), "channel": message.get_channel_display()},
            actor=_("system"),
            summary=summary + (f" — {message.last_error}" if message.last_error else ""),
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
        state = visit.get_state_display() if hasattr(visit, "get_state_display") else getattr(visit, "state", "")
        details = []
        if getattr(visit, "outcome", ""):
            details.append(_("Outcome: %(outcome)s.") % {"outcome": visit.get_outcome_display()})
        # A report is expected once the agent has checked in: what it still lacks is said.
        if getattr(visit, "checked_in_at", None) and hasattr(visit, "missing_report_items"):
            missing = visit.missing_report_items()
            if missing:
                details.append(_("Report missing: %(items)s") % {"items": " ".join(missing)})
        yield Entry(
            at=at,
            borrower_local=clock.local(at),
            section="visit",
            kind=_("Field visit (%(state)s)") % {"state": state},
            actor=visit.requested_by.get_username() if getattr(visit, "requested_by_id", None) else _("system"),
            summary=getattr(visit, "reason", "") or str(visit),
            details=details,
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
            kind=_("Complaint: %(category)s") % {"category": complaint.get_category_display()},
            actor=complaint.recorded_by.get_username(),
            summary=complaint.description,
            details=([_("About %(agent)s.") % {"agent": complaint.agent.get_username()}] if complaint.agent_id else [])
            + (
                [
                    _("Resolved %(when)s: %(resolution)s")
                    % {"when": clock.local(complaint.resolved_at), "resolution": complaint.resolution}
                ]
                if complaint.resolved_at
                else [_("Still open.")]
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
            kind=_("Finding: %(rule)s (%(severity)s)")
            % {"rule": finding.get_rule_display(), "severity": finding.get_severity_display().lower()},
            actor=finding.reviewer.get_username() if finding.reviewer_id else _("the nightly scan"),
            summary=finding.summary_text,
            details=[f"{finding.get_status_display()}. {finding.review_note}".strip()],
            record=f"compliance.Finding#{finding.pk}",
            url=admin_url("compliance.Finding", finding.pk),
        )
