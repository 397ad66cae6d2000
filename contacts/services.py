"""
State-changing rules for contacts: recording attempts through the compliance engine,
versioned policy profiles and message templates, opt-outs. Each runs in one transaction
and raises a named exception a person can read.
"""
from __future__ import annotations

import string

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.ledger import audited_atomic

from cases import services as case_services
from core.exceptions import ServiceError
from core.exceptions import NotPermitted
from cases.models import Borrower, CaseState, CollectionCase, Hold

from . import engine
from policy.codes import BORROWER_REACHED, Channel, Outcome
from .models import ChannelOptOut, ContactAttempt, MessageTemplate


class ContactBlocked(ServiceError):
    """The compliance engine refused the contact. The refused attempt *was* stored."""

    def __init__(self, decision: engine.Decision, attempt: ContactAttempt):
        super().__init__(decision.explain())
        self.decision = decision
        self.attempt = attempt


class TemplateError(ServiceError):
    pass


# --- contact attempts ------------------------------------------------------------------------

def check_contact(case, channel, at=None, contact_point=None, agent=None, template=None) -> engine.Decision:
    """What the engine would say, without recording anything (the "check" button)."""
    return engine.evaluate(case, channel, at, contact_point=contact_point, agent=agent, template=template)


def _party_reached(channel: str, outcome: str) -> str:
    if outcome == Outcome.THIRD_PARTY:
        return ContactAttempt.Party.THIRD_PARTY
    if outcome in BORROWER_REACHED:
        return ContactAttempt.Party.BORROWER
    return ContactAttempt.Party.NONE


def record_attempt(case, channel, agent, outcome, at=None, contact_point=None, conversation=False, note="", *,
                   template=None, message_text="", overridden_by=None, override_reason="") -> ContactAttempt:
    """Judge and record one outbound contact.

    Locks the borrower and the case (so two agents cannot both slip under a cap), asks
    the engine, and stores the attempt allowed or blocked in one transaction. A blocked
    attempt is stored and then ContactBlocked(decision) is raised: callers must catch it
    rather than let it roll back their own transaction. A supervisor may override a
    refusal whose every reason the profile lists as overridable, with a written reason.
    """
    attempt, decision = _judge_and_store(case, channel, agent, outcome, at, contact_point, conversation, note,
                                         template, message_text, overridden_by, override_reason)
    if not attempt.allowed:
        raise ContactBlocked(decision, attempt)
    return attempt


@audited_atomic
def _judge_and_store(case, channel, agent, outcome, at, contact_point, conversation, note, template, message_text,
                     overridden_by, override_reason):
    if agent is not None:
        case_services._require(agent, "contacts.add_contactattempt", "record contact attempts")
        case_services._require_case_access(agent, case)
    if outcome and outcome not in Outcome.values:
        raise engine.ContactRequestError(_("Unknown outcome %(outcome)r.") % {"outcome": outcome})
    if channel != Channel.FIELD_VISIT and contact_point is None:
        raise engine.ContactRequestError(_("A %(lower)s needs a contact point.") % {"lower": Channel(channel).label.lower()})
    if not outcome:
        raise engine.ContactRequestError(_("Say what happened (the outcome)."))
    # Lock order borrower → case everywhere, so concurrent recorders queue instead of deadlocking.
    Borrower.objects.select_for_update().filter(pk=case.account.borrower_id).exists()
    case = CollectionCase.objects.select_for_update().select_related("account__borrower").get(pk=case.pk)
    # "Now" is read only once the locks are held: an instant taken before waiting would
    # predate attempts committed while this one waited, and miss them in the counts.
    at = at or timezone.now()
    decision = engine.evaluate(case, channel, at, contact_point=contact_point, agent=agent, template=template)

    allowed = decision.allowed
    if not allowed and override_reason.strip() and overridden_by is not None:
        if not overridden_by.has_perm("contacts.override_contact_policy"):
            raise NotPermitted(_("%(username)s may not override contact refusals.") % {"username": overridden_by.get_username()})
        if decision.overridable:
            allowed = True
    conversation = bool(conversation or (channel == Channel.PHONE_CALL and outcome in BORROWER_REACHED))
    attempt = ContactAttempt(
        case=case, borrower_id=case.account.borrower_id, channel=channel, contact_point=contact_point, agent=agent,
        started_at=at, outcome=outcome if allowed else "", conversation=conversation if allowed else False,
        party_reached=_party_reached(channel, outcome) if allowed else ContactAttempt.Party.NONE,
        note=note, template=template, message_text=message_text if allowed else "",
        allowed=allowed, reasons=list(decision.reasons), explanations=list(decision.explanations),
        next_allowed_at=decision.next_allowed_at, profile=decision.profile,
        overridden_by=overridden_by if allowed and not decision.allowed else None,
        override_reason=override_reason if allowed and not decision.allowed else "",
    )
    attempt._history_user = agent
    attempt._change_reason = "allowed" if decision.allowed else ("overridden" if allowed else "blocked")
    attempt.save()
    if allowed:
        _apply_outcome(attempt, case, agent)
    return attempt, decision


def _apply_outcome(attempt: ContactAttempt, case: CollectionCase, agent) -> None:
    """What the borrower said changes the case at once."""
    placer = agent if agent is not None and agent.has_perm("cases.place_hold") else None
    said_by = f"on a {attempt.get_channel_display().lower()} with {agent.get_username() if agent else 'the system'}"
    if attempt.outcome == Outcome.REQUESTS_CEASE:
        case_services.place_hold(case, Hold.Kind.CEASE_COMMUNICATION, by=placer,
                                 note=f"Borrower asked for no further contact {said_by}.")
    elif attempt.outcome == Outcome.DISPUTES_DEBT:
        case_services.place_hold(case, Hold.Kind.DISPUTE, by=placer,
                                 note=f"Borrower disputed the debt {said_by}. {attempt.note}".strip())
    elif attempt.outcome == Outcome.WRONG_NUMBER and attempt.contact_point is not None:
        point = attempt.contact_point
        point.is_invalid = True
        point.invalid_since = attempt.started_at
        point._history_user = agent
        point._change_reason = "wrong number reported on a call"
        point.save(update_fields=["is_invalid", "invalid_since"])
    elif attempt.channel == Channel.LETTER and case.state == CaseState.WRITTEN_NOTICE \
            and case.written_notice_sent_at is None:
        case_services.record_written_notice(case, sent_at=attempt.started_at, by=agent)


@audited_atomic
def record_opt_out(borrower, channel, *, by, contact_point=None, note="") -> ChannelOptOut:
    """The borrower asked not to be contacted on ``channel`` (at one point, or anywhere)."""
    if channel not in Channel.values:
        raise engine.ContactRequestError(_("Unknown channel %(channel)r.") % {"channel": channel})
    if contact_point is not None and contact_point.borrower_id != borrower.pk:
        raise engine.ContactRequestError(_("That contact point belongs to another borrower."))
    opt_out = ChannelOptOut(borrower=borrower, channel=channel, contact_point=contact_point, note=note, recorded_by=by)
    opt_out._history_user = by
    opt_out.save()
    return opt_out


# --- message templates --------------------------------------------------------------------

@audited_atomic
def save_template_version(*, code, channel, language, body, by, subject="", is_required_notice=False) -> MessageTemplate:
    """A new, unapproved version of template ``code`` (the first one is version 1)."""
    versions = MessageTemplate.objects.select_for_update().filter(code=code)
    latest = max(versions.values_list("version", flat=True), default=0)
    template = MessageTemplate(code=code, version=latest + 1, channel=channel, language=language, subject=subject,
                               body=body, is_required_notice=is_required_notice, created_by=by)
    try:
        template.full_clean()
    except ValidationError as error:
        raise TemplateError("; ".join(f"{k}: {' '.join(v)}" for k, v in error.message_dict.items()))
    template._history_user = by
    template.save()
    return template


@audited_atomic
def approve_template(template: MessageTemplate, *, by) -> MessageTemplate:
    """A compliance reviewer approves this exact version; its author cannot."""
    case_services._require(by, "contacts.approve_messagetemplate", "approve message templates")
    template = MessageTemplate.objects.select_for_update().get(pk=template.pk)
    if template.is_approved:
        raise TemplateError(_("%(template)s is already approved.") % {"template": template})
    if template.created_by_id is not None and by.pk == template.created_by_id:
        raise NotPermitted(_("A template must be approved by someone other than its author."))
    template.approved_by = by
    template.approved_at = timezone.now()
    template._history_user = by
    template._change_reason = "approved"
    template.save(update_fields=["approved_by", "approved_at"])
    return template


class _OnlyAllowed(dict):
    def __missing__(self, key):  # validation makes this unreachable; never leak a name
        raise TemplateError(_("Variable {%(key)s} is not allowed.") % {"key": key})


def render_template(template: MessageTemplate, case: CollectionCase, *, lender_name: str = "", hotline: str = "",
                    payment_instructions: str = "", extra: dict | None = None) -> tuple[str, str]:
    """(subject, body) for ``case``, from an approved version, with allow-listed variables
    only; ``extra`` supplies message-specific ones (a visit's window and code)."""
    if not template.is_approved:
        raise TemplateError(_("%(code)s v%(version)s is not approved and cannot be sent.") % {"code": template.code, "version": template.version})
    account = case.account
    values = _OnlyAllowed(
        borrower_name=account.borrower.full_name, amount_due=f"{account.outstanding_total:,.2f}",
        currency=account.currency, days_past_due=str(account.days_past_due),
        due_date=account.oldest_unpaid_due_date.isoformat() if account.oldest_unpaid_due_date else "",
        loan_number=account.loan_number, lender_name=lender_name, hotline=hotline,
        payment_instructions=payment_instructions,
    )
    for name, value in (extra or {}).items():
        if name not in MessageTemplate.VARIABLES:
            raise TemplateError(_("Variable {%(name)s} is not allowed.") % {"name": name})
        values[name] = str(value)
    formatter = string.Formatter()
    return formatter.vformat(template.subject, (), values), formatter.vformat(template.body, (), values)
