"""
Who may call our provider webhooks (delivery receipts, inbound messages): one check for
both, so a fix to one is a fix to the other.

The provider signs every call with GATEWAY_WEBHOOK_SECRET, which only it and we know, and
sends three headers with the raw body:

    X-Timestamp   when it signed, in whole seconds since 1970-01-01 UTC
    X-Nonce       16 to 64 characters of A-Z a-z 0-9 _ -, never used twice
    X-Signature   hex HMAC-SHA256 of  <timestamp> "." <nonce> "." <raw body>

``verify`` refuses a wrong signature or a timestamp more than
GATEWAY_WEBHOOK_TOLERANCE_SECONDS away from our clock, and writes nothing. ``use_nonce``,
called inside the writer's own transaction, refuses a nonce already seen: a call someone
captured cannot be sent again, and a call refused later in that transaction leaves its
nonce unused. Nonces are kept (a unique column, so two copies sent at the same instant
cannot both pass) until their timestamp could no longer be accepted, then forgotten by
the forget_receipt_nonces job.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
import hashlib
import hmac
import re

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.exceptions import ServiceError

from .models import ReceiptNonce

NONCE = re.compile(r"[A-Za-z0-9_-]{16,64}")
TIMESTAMP = re.compile(r"[0-9]{1,12}")


class WebhookRefused(ServiceError):
    """A webhook call that changes nothing; ``http_status`` is the answer."""

    http_status = 400


class NotAuthentic(WebhookRefused):
    """Unsigned, badly signed, or signed too long ago (or too far ahead)."""

    http_status = 403


class Replayed(WebhookRefused):
    """Its nonce was used before: the same call sent again."""

    http_status = 409


class WebhookNotConfigured(WebhookRefused):
    """GATEWAY_WEBHOOK_SECRET is not set: no call can be checked, so none is taken."""

    http_status = 503


@dataclass(frozen=True)
class Signed:
    """An authentic call's nonce, and until when it must be kept."""

    nonce: str
    expires_at: datetime


def signature(secret: str, timestamp: str, nonce: str, body: bytes) -> str:
    """The X-Signature of a call (what the provider computes, and we again)."""
    signed = f"{timestamp}.{nonce}.".encode() + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def verify(body: bytes, headers: Mapping[str, str], *, what: str) -> Signed:
    """Check the signature and timestamp of a call (``what`` names it in refusals:
    "receipt", "inbound message"). Raises NotAuthentic or WebhookNotConfigured."""
    timestamp = headers.get("X-Timestamp", "")
    nonce = headers.get("X-Nonce", "")
    given = headers.get("X-Signature", "")
    if not (TIMESTAMP.fullmatch(timestamp) and NONCE.fullmatch(nonce) and given):
        raise NotAuthentic(f"unsigned {what}: X-Timestamp, X-Nonce and X-Signature are required")
    if not settings.GATEWAY_WEBHOOK_SECRET:
        raise WebhookNotConfigured("GATEWAY_WEBHOOK_SECRET is not set")
    if not hmac.compare_digest(signature(settings.GATEWAY_WEBHOOK_SECRET, timestamp, nonce, body), given):
        raise NotAuthentic("bad signature")
    signed_at = datetime.fromtimestamp(int(timestamp), tz=UTC)
    tolerance = timedelta(seconds=settings.GATEWAY_WEBHOOK_TOLERANCE_SECONDS)
    if abs(timezone.now() - signed_at) > tolerance:
        raise NotAuthentic(f"stale {what}: its timestamp is too far from now")
    return Signed(nonce, signed_at + tolerance)


def use_nonce(nonce: str, expires_at: datetime, *, what: str) -> None:
    """Take ``nonce`` for good, in the caller's transaction. Raises Replayed."""
    try:
        with transaction.atomic():
            ReceiptNonce.objects.create(nonce=nonce, expires_at=expires_at)
    except IntegrityError:
        raise Replayed(f"replayed {what}: its nonce was used before") from None
