"""
Sending one webhook delivery: a signed POST, its answer recorded, and when to try again.

The signature header is ``X-Collections-Signature: t=<unix seconds>,v1=<hex>``, the hex
being HMAC-SHA256 with the endpoint's secret over ``f"{t}.{raw body}"``: the receiver
checks it against the raw body, and refuses an old ``t`` (a replayed request).

An attempt is claimed before it is made: the task names the attempt it expects to make
(the row's ``attempts`` when it was queued), and one UPDATE moves ``attempts`` on from
exactly that number. A Celery retry and a sweep queuing the same delivery, or a message
redelivered after a worker died, can then never send it twice for the same attempt.
"""

from __future__ import annotations

from dataclasses import dataclass
import hashlib
import hmac
import json
import random
import time
import urllib.error
import urllib.request

from django.db.models import F
from django.utils import timezone

from .webhook_models import WebhookDelivery

TIMEOUT_SECONDS = 5
MAX_ATTEMPTS = 8
# 30 s after the first failure, doubling after each (60 s, 2 min, 4 min…) up to 30 min,
# each shortened by up to a fifth at random so that many deliveries failing together (the
# receiver was down) do not all come back in the same second.
RETRY_BASE_SECONDS = 30
RETRY_CAP_SECONDS = 30 * 60
# A claimed attempt's row is not due again before this (the POST takes 5 s at most): a
# worker that died mid-attempt leaves it to the sweep after that.
CLAIM_SECONDS = 60
# A pending delivery this far past its time lost its queued task: the sweep queues it again.
SWEEP_AFTER_SECONDS = 60

PENDING, DELIVERED, FAILED = (
    WebhookDelivery.State.PENDING,
    WebhookDelivery.State.DELIVERED,
    WebhookDelivery.State.FAILED,
)


def retry_delay(attempts: int, jitter: float | None = None) -> float:
    """Seconds to wait after the ``attempts``-th failed attempt; ``jitter`` in [0, 1)
    (random when not given) takes up to a fifth off."""
    delay = min(RETRY_CAP_SECONDS, RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0))
    return delay * (1 - 0.2 * (random.random() if jitter is None else jitter))


def body_of(payload: dict) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


def signature(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer, not a delivery: urllib would turn the POST into a GET."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def post(url: str, body: bytes, headers: dict) -> tuple[int | None, str]:
    """(status code or None, error): error is empty for a 2xx answer."""
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)
    try:
        with _opener.open(request, timeout=TIMEOUT_SECONDS) as response:
            status = response.status
    except urllib.error.HTTPError as answer:
        return answer.code, f"HTTP {answer.code} {answer.reason}"[:300]
    except urllib.error.URLError as failure:
        return None, str(failure.reason)[:300]
    except (TimeoutError, OSError, ValueError) as failure:
        return None, (str(failure) or type(failure).__name__)[:300]
    return status, "" if 200 <= status < 300 else f"HTTP {status}"


@dataclass
class Outcome:
    state: str | None  # None: not attempted (not due to this task, or gone)
    attempts: int = 0
    retry_in: float | None = None  # seconds, when it is to be tried again


def attempt(delivery_id: int, expected_attempts: int | None = None) -> Outcome:
    """Make the delivery's next attempt, if it is still pending and that attempt is still
    ``expected_attempts`` + 1 (None: whatever the row says)."""
    delivery = WebhookDelivery.objects.select_related("endpoint").filter(pk=delivery_id, state=PENDING).first()
    if delivery is None:
        return Outcome(None)
    expected = delivery.attempts if expected_attempts is None else expected_attempts
    now = timezone.now()
    claimed = WebhookDelivery.objects.filter(pk=delivery.pk, state=PENDING, attempts=expected).update(
        attempts=F("attempts") + 1, next_attempt_at=now + timezone.timedelta(seconds=CLAIM_SECONDS)
    )
    if not claimed:
        return Outcome(None)
    attempts = expected + 1
    endpoint = delivery.endpoint
    if not endpoint.is_active:
        _record(delivery.pk, state=FAILED, status=None, error="endpoint deactivated", next_at=None)
        return Outcome(FAILED, attempts)
    body = body_of(delivery.payload)
    status, error = post(
        endpoint.url,
        body,
        {
            "Content-Type": "application/json",
            "User-Agent": "collections-webhooks/1",
            "X-Collections-Event": delivery.event_type,
            "X-Collections-Delivery": str(delivery.event_id),
            "X-Collections-Signature": signature(endpoint.secret, int(time.time()), body),
        },
    )
    if not error:
        _record(delivery.pk, state=DELIVERED, status=status, error="", next_at=None, delivered_at=timezone.now())
        return Outcome(DELIVERED, attempts)
    if attempts >= MAX_ATTEMPTS:
        _record(delivery.pk, state=FAILED, status=status, error=error, next_at=None)
        return Outcome(FAILED, attempts)
    retry_in = retry_delay(attempts)
    next_at = timezone.now() + timezone.timedelta(seconds=retry_in)
    _record(delivery.pk, state=PENDING, status=status, error=error, next_at=next_at)
    return Outcome(PENDING, attempts, retry_in)


def _record(delivery_id, *, state, status, error, next_at, delivered_at=None) -> None:
    WebhookDelivery.objects.filter(pk=delivery_id).update(
        state=state, last_status_code=status, last_error=error, next_attempt_at=next_at, delivered_at=delivered_at
    )


def overdue(now=None, limit: int = 1000) -> list[tuple[int, int]]:
    """Pending deliveries well past their time (their queued task was lost): (id, attempts)
    of each, their time moved on so the next sweep leaves them to the task queued now."""
    now = now or timezone.now()
    rows = list(
        WebhookDelivery.objects.filter(
            state=PENDING, next_attempt_at__lte=now - timezone.timedelta(seconds=SWEEP_AFTER_SECONDS)
        )
        .order_by("next_attempt_at")
        .values_list("pk", "attempts")[:limit]
    )
    WebhookDelivery.objects.filter(pk__in=[pk for pk, _attempts in rows], state=PENDING).update(
        next_attempt_at=now + timezone.timedelta(seconds=CLAIM_SECONDS)
    )
    return rows
