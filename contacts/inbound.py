"""
Messages borrowers send us (``POST /work/hooks/inbound/``), signed by the provider like
delivery receipts (contacts/webhooks.py), with the JSON body
``{"channel": "sms" | "email", "from": "...", "body": "...", "message_id": "..."}``.

Every message is kept as evidence (InboundMessage). A message that is only a withdrawal
keyword (POLICY.md second edition: STOP, QUIT, END, CANCEL, UNSUBSCRIBE, REVOKE, OPT OUT,
退订, TD, T, 取消 — whole message, any case, NFKC-folded, surrounding spaces and
punctuation ignored, ASCII or full-width) withdraws consent in the same request and the
same transaction — the FCC allows 10 business days, we take none: the withdrawal (scoped
by the borrower's profile, ``stop_reply_scope``), the cancellation of the queued messages
it covers, and at most one confirmation message (``stop_reply_confirmation``; a second
STOP sends no second one) commit together.

Refusals write nothing (not even the nonce): the order is size, signature, body, then —
in one transaction — the nonce and the sender. The view logs each one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
import json
import re
import unicodedata

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone

from audit.ledger import audited_atomic
from cases.models import CLOSED_STATES, PROFILE_PHONE_REGION, CollectionCase, ContactPoint, normalise_phone
from policy.codes import Channel
from policy.selectors import current_profile

from . import consent, outbox, webhooks
from .models import Consent, ConsentRevocation, InboundMessage, OutboundMessage

KEYWORDS = frozenset({"STOP", "QUIT", "END", "CANCEL", "UNSUBSCRIBE", "REVOKE", "OPT OUT", "退订", "TD", "T", "取消"})
CHANNELS = {Channel.SMS: ContactPoint.Kind.PHONE, Channel.EMAIL: ContactPoint.Kind.EMAIL}
# Template codes of the confirmation, per channel and language (settings.REMINDER_TEMPLATE_CODES).
CONFIRMATION_KEYS = {Channel.SMS: "stop_confirmation_sms", Channel.EMAIL: "stop_confirmation_email"}
_SPACES = re.compile(r"\s+")


class UnknownSender(webhooks.WebhookRefused):
    """The sender is no contact point of any borrower."""

    http_status = 404


@dataclass(frozen=True)
class Inbound:
    channel: str
    sender: str
    body: str
    message_id: str


@dataclass
class Received:
    """What one inbound call recorded."""

    messages: list[InboundMessage]
    revocations: list[ConsentRevocation]
    confirmation: OutboundMessage | None

    @property
    def revoked(self) -> bool:
        return bool(self.revocations)


def recognised_keyword(body: str) -> str:
    """The withdrawal keyword ``body`` is, or "": "Stop." → "STOP", "退订！" → "退订"."""
    text = unicodedata.normalize("NFKC", body)
    # Strip spaces, punctuation and symbols (ASCII, full-width, CJK) around the words.
    start, end = 0, len(text)
    while start < end and _ignorable(text[start]):
        start += 1
    while end > start and _ignorable(text[end - 1]):
        end -= 1
    word = _SPACES.sub(" ", text[start:end]).upper()
    return word if word in KEYWORDS else ""


def _ignorable(char: str) -> bool:
    return char.isspace() or unicodedata.category(char)[0] in "PSZC"


def read(body: bytes) -> Inbound:
    """The call's fields, or WebhookRefused (400) naming what is wrong."""
    try:
        payload = json.loads(body.decode("utf-8"))
    except UnicodeDecodeError:
        raise webhooks.WebhookRefused("bad inbound message: the body is not UTF-8") from None
    except ValueError:
        raise webhooks.WebhookRefused("bad inbound message: the body is not JSON") from None
    if not isinstance(payload, dict):
        raise webhooks.WebhookRefused("bad inbound message: the body is not a JSON object")
    channel = payload.get("channel")
    if channel not in CHANNELS:
        raise webhooks.WebhookRefused(f"bad inbound message: channel must be one of {', '.join(CHANNELS)}")
    fields = {}
    for name, longest in (("from", 255), ("body", 10_000), ("message_id", 120)):
        value = payload.get(name)
        if not isinstance(value, str) or not value.strip() or "\x00" in value:
            raise webhooks.WebhookRefused(f"bad inbound message: {name} is required")
        if len(value) > longest:
            raise webhooks.WebhookRefused(f"bad inbound message: {name} is longer than {longest} characters")
        fields[name] = value
    return Inbound(channel, fields["from"].strip(), fields["body"], fields["message_id"].strip())


def _sender_points(inbound: Inbound) -> list[ContactPoint]:
    """The contact points the sender is, borrowers' own first: a phone number normalised
    to E.164 as ContactPoint stores it (read with each profile's region when it has no
    country code), an e-mail address compared case-insensitively."""
    points = ContactPoint.objects.select_related("borrower").order_by("owner", "pk")
    if inbound.channel == Channel.EMAIL:
        return list(points.filter(kind=ContactPoint.Kind.EMAIL, value__iexact=inbound.sender))
    candidates = set()
    for region in sorted(set(PROFILE_PHONE_REGION.values())):
        try:
            candidates.add(normalise_phone(inbound.sender, region)[0])
        except ValidationError:
            continue
    return list(points.filter(kind=ContactPoint.Kind.PHONE, value__in=candidates)) if candidates else []


def accept_inbound(body: bytes, headers: Mapping[str, str]) -> Received:
    """Check an inbound call as it arrived and record it. Raises a WebhookRefused for
    anything that is not a fresh, authentic message from a known sender."""
    signed = webhooks.verify(body, headers, what="inbound message")
    return record_inbound(read(body), nonce=signed.nonce, nonce_expires_at=signed.expires_at)


@audited_atomic
def record_inbound(inbound: Inbound, *, nonce: str, nonce_expires_at) -> Received:
    """Record the message once per contact point the sender is (a provider delivering the
    same message twice records it once) and act on a withdrawal keyword. ``nonce`` is the
    provider's signed call's; a call through the integration API (a key, no signature) has
    none, and its repeat is recognised by the message id alone."""
    if nonce:
        webhooks.use_nonce(nonce, nonce_expires_at, what="inbound message")
    points = _sender_points(inbound)
    if not points:
        raise UnknownSender("unknown sender")
    keyword = recognised_keyword(inbound.body)
    received, new_revocations = Received([], [], None), []
    now = timezone.now()
    for point in points:
        already = InboundMessage.objects.filter(
            channel=inbound.channel, provider_message_id=inbound.message_id, contact_point=point
        ).first()
        if already is not None:  # the same message again: what it did stands
            received.messages.append(already)
            received.revocations += list(ConsentRevocation.objects.filter(inbound_message=already))
            continue
        message = InboundMessage.objects.create(
            channel=inbound.channel,
            sender=inbound.sender,
            contact_point=point,
            borrower=point.borrower,
            body=inbound.body,
            provider_message_id=inbound.message_id,
            received_at=now,
            keyword=keyword,
        )
        received.messages.append(message)
        if keyword:
            new_revocations.append(_withdraw(message, point, now))
    received.revocations += new_revocations
    if new_revocations:  # one confirmation, to the first point (a number two borrowers share gets one)
        received.confirmation = queue_stop_confirmation(
            new_revocations[0].inbound_message.contact_point, inbound.channel, now
        )
    return received


def _withdraw(message: InboundMessage, point: ContactPoint, at) -> ConsentRevocation:
    profile = current_profile(point.borrower.policy_profile_code)
    return consent.revoke_consent(
        point.borrower,
        profile.stop_reply_scope,
        channel=message.channel,
        contact_point=point,
        via=ConsentRevocation.Via.INBOUND_REPLY,
        by=None,
        at=at,
        evidence=f"inbound {message.get_channel_display()} {message.provider_message_id}",
        inbound_message=message,
    )


def queue_stop_confirmation(point: ContactPoint, channel: str, at) -> OutboundMessage | None:
    """At most one message confirming a withdrawal on ``channel``, to ``point``: none when
    the profile sends none, when one went (or waits to go) since the borrower's latest
    consent there, when no approved template or no case is on file. The engine lets it
    through as its one exception (contacts/engine/consent.py)."""
    borrower = point.borrower
    if not current_profile(borrower.policy_profile_code).stop_reply_confirmation:
        return None
    latest_grant = (
        Consent.objects.filter(borrower=borrower, channel=channel)
        .filter(Q(contact_point__isnull=True) | Q(contact_point=point))
        .order_by("-granted_at")
        .values_list("granted_at", flat=True)
        .first()
    )
    earlier = OutboundMessage.objects.filter(
        case__account__borrower=borrower, channel=channel, template__is_stop_confirmation=True
    )
    if latest_grant is not None:
        earlier = earlier.filter(created_at__gt=latest_grant)
    if earlier.exists():
        return None
    template = outbox.template_for(CONFIRMATION_KEYS[channel], borrower.language, outbox.approved_templates())
    case = (
        CollectionCase.objects.filter(account__borrower=borrower)
        .exclude(state__in=CLOSED_STATES)
        .order_by("-opened_at", "-pk")
        .first()
    )
    if template is None or case is None:
        return None
    message = OutboundMessage(
        case=case,
        channel=channel,
        template=template,
        contact_point=point,
        slot=at,
        scheduled_for=at,
        purpose=OutboundMessage.Purpose.STOP_CONFIRMATION,
        idempotency_key=OutboundMessage.key_for(case.pk, template.pk, at, suffix="-stop"),
    )
    message._change_reason = "consent withdrawn: confirmation"
    message.save()
    return message
