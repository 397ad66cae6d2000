from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class OutgoingMessage:
    key: str  # idempotency key: the same key must never be delivered twice
    channel: str
    to: str
    subject: str
    body: str
    case_id: int


@dataclass(frozen=True)
class Delivery:
    """What a gateway knows of a message it delivered earlier."""

    provider_id: str
    delivered_at: datetime | None  # None: the gateway cannot tell when
    subject: str | None = None  # None: the gateway did not keep the text
    body: str | None = None


class GatewayError(Exception):
    """A transient failure: the outbox retries after ``retry_after`` when the provider
    said when (HTTP 429 with Retry-After), else with its own backoff."""

    def __init__(self, message: str = "", *, retry_after: timedelta | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class PermanentGatewayError(GatewayError):
    """The provider refused the message for good (bad number, bad request): no retry."""


class BaseGateway:
    """Sends one message and returns the provider's message id.

    ``send`` must be idempotent by ``message.key``: called again with a key it has
    already delivered, it returns the first id and delivers nothing. The outbox relies
    on this when a worker died between sending and recording the send.
    """

    def send(self, message: OutgoingMessage) -> str:
        raise NotImplementedError

    def find_delivery(self, key: str, channel: str) -> Delivery | None:
        """The delivery of ``key`` if this gateway delivered it, else None.

        The outbox asks before judging a message again whose worker stopped after claiming
        it: a message already delivered must be recorded as sent, whatever the rules say
        now. A gateway that cannot tell returns None (the default), and such a message is
        judged again: if the rules now refuse it, its earlier delivery stays unrecorded
        until the provider is asked (see bench/README "Faults").
        """
        return None
