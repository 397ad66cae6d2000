"""
State-changing rules for contacts: recording attempts through the compliance engine,
versioned policy profiles and message templates, opt-outs. Each runs in one transaction
and raises a named exception a person can read.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.ledger import audited_atomic
from cases import services as case_services
from cases.models import Borrower, CollectionCase
from core.exceptions import NotPermitted, ServiceError
from policy.codes import Channel, Outcome

from . import borrower_text, callbacks, engine, recording, template_text
from .callbacks import CallbackError as CallbackError  # raised by record_attempt and schedule_callback
from .callbacks import CallbackRefused as CallbackRefused
from .callbacks import next_callback_slots as next_callback_slots
from .callbacks import schedule_callback as schedule_callback
from .models import ChannelOptOut, ContactAttempt, MessageTemplate
from .template_text import MessageTooLong as MessageTooLong  # raised by render_template
from .template_text import TemplateError


class ContactBlocked(ServiceError):
    """The compliance engine refused the contact. The refused attempt *was* stored."""

    def __init__(self, decision: engine.Decision, attempt: ContactAttempt):
        super().__init__(decision.explain())
        self.decision = decision
        self.attempt = attempt


# --- contact attempts ------------------------------------------------------------------------


def check_contact(case, channel, at=None, contact_point=None, agent=None, template=None) -> engine.Decision:
    """What the engine would say, without recording anything (the "check" button)."""
    return engine.evaluate(case, channel, at, contact_point=contact_point, agent=agent, template=template)


def record_attempt(
    case,
    channel,
    outcome,
    *,
    by,
    at=None,
    contact_point=None,
    conversation=False,
    note="",
    template=None,
    message_text="",
    overridden_by=None,
    override_reason="",
    placed_by=None,
    callback_at=None,
) -> ContactAttempt:
    """Judge and record one outbound contact made by ``by`` (None: the system).

    Locks the borrower and the case (so two agents cannot both slip under a cap), asks
    the engine, and stores the attempt allowed or blocked in one transaction, through the
    same recording path as the outbox (contacts/recording.py). A blocked attempt is stored
    and then ContactBlocked(decision) is raised: callers must catch it rather than let it
    roll back their own transaction. A supervisor may override a refusal whose every
    reason the profile lists as overridable, with a written reason.

    Callbacks (contacts/callbacks.py), in the same transaction as the attempt: a call made
    (allowed, any outcome) marks the case's pending callback done; an outcome "callback
    requested" needs ``callback_at``, agreed once the attempt is written, and a time the
    rules refuse raises CallbackRefused with nothing written, not even the attempt. A
    missing time raises CallbackError before anything is judged.
    """
    attempt, decision = _judge_and_store(
        case,
        channel,
        outcome,
        by,
        at,
        contact_point,
        conversation,
        note,
        template,
        message_text,
        overridden_by,
        override_reason,
        placed_by,
        callback_at=callback_at,
    )
    if not attempt.allowed:
        raise ContactBlocked(decision, attempt)
    return attempt


AUTOMATED_CALLERS = {ContactAttempt.PlacedBy.IVR, ContactAttempt.PlacedBy.VOICE_BOT}


def record_automated_call(
    case,
    contact_point,
    outcome,
    *,
    placed_by=ContactAttempt.PlacedBy.IVR,
    at=None,
    template=None,
    note="",
    callback_at=None,
) -> ContactAttempt:
    """Judge and record a call an IVR or a voice bot placed. It is a call like any other:
    the same hours, holds and caps (GB/T 45251-2025 counts AI voice toward the three
    connected calls a day), recorded as automated so reviewers can tell."""
    if placed_by not in AUTOMATED_CALLERS:
        raise engine.ContactRequestError(_("%(placed_by)r is not an automated caller.") % {"placed_by": placed_by})
    return record_attempt(
        case,
        Channel.PHONE_CALL,
        outcome,
        by=None,
        at=at,
        contact_point=contact_point,
        note=note,
        template=template,
        placed_by=placed_by,
        callback_at=callback_at,
    )


@audited_atomic
def _judge_and_store(
    case,
    channel,
    outcome,
    by,
    at,
    contact_point,
    conversation,
    note,
    template,
    message_text,
    overridden_by,
    override_reason,
    placed_by=None,
    *,
    callback_at=None,
):
    if by is not None:
        case_services._require(by, "contacts.add_contactattempt", "record contact attempts")
        case_services._require_case_access(by, case)
    if outcome and outcome not in Outcome.values:
        raise engine.ContactRequestError(_("Unknown outcome %(outcome)r.") % {"outcome": outcome})
    if channel != Channel.FIELD_VISIT and contact_point is None:
        raise engine.ContactRequestError(
            _("A %(lower)s needs a contact point.") % {"lower": Channel(channel).label.lower()}
        )
    if not outcome:
        raise engine.ContactRequestError(_("Say what happened (the outcome)."))
    if outcome == Outcome.CALLBACK and callback_at is None:
        raise CallbackError(_("The borrower asked to be called back: say when to call back."))
    if callback_at is not None and outcome != Outcome.CALLBACK:
        raise CallbackError(_("A callback time goes only with the outcome “Callback requested”."))
    # Lock order borrower → case everywhere, so concurrent recorders queue instead of deadlocking.
    # Only the case row (of=self): the join would lock the account too, which a payment locks
    # first and then the case — a deadlock the load test found (bench/load).
    Borrower.objects.select_for_update().filter(pk=case.account.borrower_id).exists()
    case = CollectionCase.objects.select_for_update(of=("self",)).select_related("account__borrower").get(pk=case.pk)
    # "Now" is read only once the locks are held: an instant taken before waiting would
    # predate attempts committed while this one waited, and miss them in the counts.
    at = at or timezone.now()
    decision = engine.evaluate(case, channel, at, contact_point=contact_point, agent=by, template=template)
    if not decision.allowed and override_reason.strip() and overridden_by is not None:
        if not overridden_by.has_perm("contacts.override_contact_policy"):
            raise NotPermitted(
                _("%(username)s may not override contact refusals.") % {"username": overridden_by.get_username()}
            )
        if not decision.overridable:
            overridden_by = None  # a refusal no one may override stays a refusal
    attempt = recording.new_attempt(
        case,
        channel,
        decision,
        at=at,
        outcome=outcome,
        by=by,
        contact_point=contact_point,
        conversation=conversation,
        note=note,
        template=template,
        message_text=message_text,
        overridden_by=overridden_by,
        override_reason=override_reason,
        placed_by=placed_by,
    )
    recording.store_attempts([attempt], cases={case.pk: case}, by=by)
    if attempt.allowed and channel == Channel.PHONE_CALL:
        callbacks.close_pending_callback(case, attempt, by=by)
    if attempt.allowed and callback_at is not None:
        # The number the borrower was reached on, when it is a phone; else their primary one.
        phone = contact_point if contact_point is not None and contact_point.kind == "phone" else None
        callbacks.schedule_callback(case, callback_at, by=by, contact_point=phone, note=note, attempt=attempt)
    return attempt, decision


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
def save_template_version(
    *, code, channel, language, body, by, subject="", is_required_notice=False
) -> MessageTemplate:
    """A new, unapproved version of template ``code`` (the first one is version 1)."""
    versions = MessageTemplate.objects.select_for_update().filter(code=code)
    latest = max(versions.values_list("version", flat=True), default=0)
    template = MessageTemplate(
        code=code,
        version=latest + 1,
        channel=channel,
        language=language,
        subject=subject,
        body=body,
        is_required_notice=is_required_notice,
        created_by=by,
    )
    try:
        template.full_clean()
    except ValidationError as error:
        raise TemplateError("; ".join(f"{k}: {' '.join(v)}" for k, v in error.message_dict.items())) from error
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


def render_template(
    template: MessageTemplate,
    case: CollectionCase,
    *,
    lender_name: str = "",
    hotline: str = "",
    payment_instructions: str = "",
    extra: dict | None = None,
) -> tuple[str, str]:
    """(subject, body) for ``case``, from an approved version, with allow-listed variables
    only; ``extra`` supplies message-specific ones (a visit's window and code). Raises
    MessageTooLong when either is longer than the channel allows (contacts/template_text.py)."""
    if not template.is_approved:
        raise TemplateError(
            _("%(code)s v%(version)s is not approved and cannot be sent.")
            % {"code": template.code, "version": template.version}
        )
    account = case.account
    values = _OnlyAllowed(
        borrower_name=account.borrower.full_name,
        amount=borrower_text.amount_for(account.outstanding_total, account.currency, template.language),
        amount_due=f"{account.outstanding_total:,.2f}",
        currency=account.currency,
        days_past_due=str(account.days_past_due),
        due_date=account.oldest_unpaid_due_date.isoformat() if account.oldest_unpaid_due_date else "",
        loan_number=account.loan_number,
        lender_name=lender_name,
        hotline=hotline,
        payment_instructions=payment_instructions,
    )
    for name, value in (extra or {}).items():
        if name not in MessageTemplate.VARIABLES:
            raise TemplateError(_("Variable {%(name)s} is not allowed.") % {"name": name})
        values[name] = str(value)
    channel = template.channel
    body = template_text.render(template.body, values, limit=template_text.max_characters(channel), channel=channel)
    if channel == Channel.SMS:
        body = borrower_text.signed_sms(body, template.language)
    return (
        template_text.render(template.subject, values, limit=template_text.SUBJECT_MAX_CHARACTERS, channel=channel),
        body,
    )
