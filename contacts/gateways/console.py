import sys

from .base import BaseGateway, Delivery, OutgoingMessage


class ConsoleGateway(BaseGateway):
    """Prints messages (development). Idempotent within the process only."""

    _seen: dict[str, str] = {}

    def send(self, message: OutgoingMessage) -> str:
        if message.key in self._seen:
            return self._seen[message.key]
        sys.stdout.write(f"[{message.channel} → {message.to}] {message.subject}\n{message.body}\n---\n")
        self._seen[message.key] = f"console-{message.key}"
        return self._seen[message.key]

    def find_delivery(self, key: str, channel: str) -> Delivery | None:
        return Delivery(provider_id=self._seen[key], delivered_at=None) if key in self._seen else None
