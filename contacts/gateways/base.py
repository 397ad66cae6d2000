from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class OutgoingMessage:
    key: str  # idempotency key: the same key must never be delivered twice
    channel: str
    to: str
    subject: str
    body: str
    case_id: int


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
