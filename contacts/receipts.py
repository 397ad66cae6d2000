"""
Delivery receipts from providers (``POST /work/hooks/delivery/``): who may send one, and
what it may change.

Who. The provider signs every receipt over a timestamp and a single-use nonce, with the
JSON body ``{"message_id", "status", "error"}``; contacts/webhooks.py checks it, as it
checks inbound messages. A receipt with a wrong signature, a stale timestamp or a nonce
already seen is refused: a receipt someone captured cannot be sent again to flip a
message between delivered and failed.

What. A sent message becomes delivered or failed, once: the same news again changes
nothing, and a delivered message never becomes failed (nor a failed one delivered) — a
forged or late "failed" must not hide a notice the borrower received.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
import json

from django.utils import timezone

from audit.ledger import audited_atomic

from . import webhooks
from .models import OutboundMessage, ReceiptNonce

# The refusals' names as callers knew them before the check moved to contacts/webhooks.py.
from .webhooks import NotAuthentic as ReceiptNotAuthentic  # noqa: F401
from .webhooks import Replayed as ReceiptReplayed  # noqa: F401
from .webhooks import WebhookNotConfigured as WebhookNotConfigured  # noqa: F401
from .webhooks import WebhookRefused as ReceiptRefused
from .webhooks import signature as signature  # noqa: F401

State = OutboundMessage.State
# What a receipt may say, and the state it moves a sent message to.
OUTCOMES = {"delivered": State.DELIVERED, "failed": State.FAILED}


class ReceiptOutOfOrder(ReceiptRefused):
    """The message is not waiting for news (already delivered, failed, or never sent)."""

    http_status = 409


class UnknownMessage(ReceiptRefused):
    """No message we sent has that provider id."""

    http_status = 404


def accept_receipt(body: bytes, headers: Mapping[str, str]) -> OutboundMessage:
    """Check a receipt as it arrived (raw body, request headers) and record what it says.
    Raises a ReceiptRefused for anything that is not a fresh, authentic, first report
    about a message we sent."""
    signed = webhooks.verify(body, headers, what="receipt")
    message_id, status, error = _read(body)
    return record_delivery_receipt(message_id, status, error, nonce=signed.nonce, nonce_expires_at=signed.expires_at)


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
    webhooks.use_nonce(nonce, nonce_expires_at, what="receipt")
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
