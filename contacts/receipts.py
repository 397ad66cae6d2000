"""
Delivery receipts from providers (``POST /work/hooks/delivery/``): who may send one, and
what it may change.

Who. The provider signs every receipt with GATEWAY_WEBHOOK_SECRET, which only it and we
know, and sends three headers with the JSON body ``{"message_id", "status", "error"}``:

    X-Timestamp   when it signed, in whole seconds since 1970-01-01 UTC
    X-Nonce       16 to 64 characters of A-Z a-z 0-9 _ -, never used twice
    X-Signature   hex HMAC-SHA256 of  <timestamp> "." <nonce> "." <raw body>

A receipt with a wrong signature, a timestamp more than GATEWAY_WEBHOOK_TOLERANCE_SECONDS
away from our clock, or a nonce already seen is refused: a receipt someone captured cannot
be sent again to flip a message between delivered and failed. Nonces are kept (a unique
column, so two copies sent at the same instant cannot both pass) until their timestamp
could no longer be accepted, then forgotten by the forget_receipt_nonces job.

What. A sent message becomes delivered or failed, once: the same news again changes
nothing, and a delivered message never becomes failed (nor a failed one delivered) — a
forged or late "failed" must not hide a notice the borrower received.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
import hashlib
import hmac
import json
import re

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.ledger import audited_atomic
from core.exceptions import ServiceError

from .models import OutboundMessage, ReceiptNonce

State = OutboundMessage.State
NONCE = re.compile(r"[A-Za-z0-9_-]{16,64}")
TIMESTAMP = re.compile(r"[0-9]{1,12}")
# What a receipt may say, and the state it moves a sent message to.
OUTCOMES = {"delivered": State.DELIVERED, "failed": State.FAILED}


class ReceiptRefused(ServiceError):
    """A delivery receipt that changes nothing; ``http_status`` is the webhook's answer."""

    http_status = 400


class ReceiptNotAuthentic(ReceiptRefused):
    """Unsigned, badly signed, or signed too long ago (or too far ahead)."""

    http_status = 403


class ReceiptReplayed(ReceiptRefused):
    """Its nonce was used before: the same receipt sent again."""

    http_status = 409


class ReceiptOutOfOrder(ReceiptRefused):
    """The message is not waiting for news (already delivered, failed, or never sent)."""

    http_status = 409


class UnknownMessage(ReceiptRefused):
    """No message we sent has that provider id."""

    http_status = 404


class WebhookNotConfigured(ReceiptRefused):
    """GATEWAY_WEBHOOK_SECRET is not set: no receipt can be checked, so none is taken."""

    http_status = 503


def signature(secret: str, timestamp: str, nonce: str, body: bytes) -> str:
    """The X-Signature of a receipt (what the provider computes, and we again)."""
    signed = f"{timestamp}.{nonce}.".encode() + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def accept_receipt(body: bytes, headers: Mapping[str, str]) -> OutboundMessage:
    """Check a receipt as it arrived (raw body, request headers) and record what it says.
    Raises a ReceiptRefused for anything that is not a fresh, authentic, first report
    about a message we sent."""
    timestamp = headers.get("X-Timestamp", "")
    nonce = headers.get("X-Nonce", "")
    given = headers.get("X-Signature", "")
    if not (TIMESTAMP.fullmatch(timestamp) and NONCE.fullmatch(nonce) and given):
        raise ReceiptNotAuthentic("unsigned receipt: X-Timestamp, X-Nonce and X-Signature are required")
    if not settings.GATEWAY_WEBHOOK_SECRET:
        raise WebhookNotConfigured("GATEWAY_WEBHOOK_SECRET is not set")
    if not hmac.compare_digest(signature(settings.GATEWAY_WEBHOOK_SECRET, timestamp, nonce, body), given):
        raise ReceiptNotAuthentic("bad signature")
    signed_at = datetime.fromtimestamp(int(timestamp), tz=UTC)
    tolerance = timedelta(seconds=settings.GATEWAY_WEBHOOK_TOLERANCE_SECONDS)
    if abs(timezone.now() - signed_at) > tolerance:
        raise ReceiptNotAuthentic("stale receipt: its timestamp is too far from now")
    message_id, status, error = _read(body)
    return record_delivery_receipt(message_id, status, error, nonce=nonce, nonce_expires_at=signed_at + tolerance)


def _read(body: bytes) -> tuple[str, str, str]:
    try:
        payload = json.loads(body)
    except ValueError:
        raise ReceiptRefused("bad receipt: the body is not JSON") from None
    if not isinstance(payload, dict):
        raise ReceiptRefused("bad receipt: the body is not a JSON object")
    message_id, status = payload.get("message_id"), payload.get("status")
    if isinstance(message_id, int) and not isinstance(message_id, bool):
        message_id = str(message_id)
    if not isinstance(message_id, str) or not message_id.strip():
        raise ReceiptRefused("bad receipt: message_id is required")
    if status not in OUTCOMES:
        raise ReceiptRefused(f"bad receipt: status must be one of {', '.join(OUTCOMES)}")
    error = payload.get("error") or ""
    return message_id.strip(), status, str(error)[:2000]


@audited_atomic
def record_delivery_receipt(
    provider_message_id: str, status: str, error: str = "", *, nonce: str, nonce_expires_at: datetime
) -> OutboundMessage:
    """The provider says a sent message was delivered, or finally failed. Uses up
    ``nonce`` in the same transaction, so a refused receipt leaves it unused."""
    try:
        with transaction.atomic():
            ReceiptNonce.objects.create(nonce=nonce, expires_at=nonce_expires_at)
    except IntegrityError:
        raise ReceiptReplayed("replayed receipt: its nonce was used before") from None
    found = list(
        OutboundMessage.objects.select_for_update()
        .filter(provider_message_id=provider_message_id)
        .exclude(provider_message_id="")[:2]
    )
    if len(found) != 1:
        raise UnknownMessage("unknown message") if not found else ReceiptOutOfOrder("ambiguous message id")
    message = found[0]
    target = OUTCOMES[status]
    if message.state == target:
        return message  # the same news again (a new nonce): nothing to change
    if message.state != State.SENT:
        raise ReceiptOutOfOrder(f"the message is {message.state} and stays so")
    message.state = target
    if target == State.DELIVERED:
        message.delivered_at = timezone.now()
    else:
        message.last_error = error or "provider reported failure"
    message._change_reason = f"delivery receipt: {status}"
    message.save(update_fields=["state", "delivered_at", "last_error"])
    return message


def forget_expired_nonces(now: datetime | None = None) -> int:
    """Nonces whose receipts would be refused as stale anyway."""
    deleted, _by_model = ReceiptNonce.objects.filter(expires_at__lt=now or timezone.now()).delete()
    return deleted
