from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.core.mail import EmailMessage

from .base import BaseGateway, Delivery, GatewayError, OutgoingMessage


class EmailGateway(BaseGateway):
    """Email through Django's email framework (SMTP in production, file backend in the demo).

    SMTP has no idempotency of its own: a marker file per key, written right after the
    send, makes a retry a no-op. The window between the send and the marker is the only
    place a crash could repeat an email; the Message-ID is stable, so clients thread it.
    """

    def __init__(self):
        self.markers = Path(settings.OUTBOX_DIR) / "email-sent"
        self.markers.mkdir(parents=True, exist_ok=True)

    def send(self, message: OutgoingMessage) -> str:
        marker = self.markers / message.key
        provider_id = f"<{message.key}@{settings.EMAIL_MESSAGE_ID_DOMAIN}>"
        if marker.exists():
            return provider_id
        email = EmailMessage(
            subject=message.subject,
            body=message.body,
            to=[message.to],
            headers={"Message-ID": provider_id, "X-Idempotency-Key": message.key},
        )
        try:
            email.send(fail_silently=False)
        except OSError as error:
            raise GatewayError(f"Email could not be sent: {error}.") from error
        marker.write_text(provider_id)
        return provider_id

    def find_delivery(self, key: str, channel: str) -> Delivery | None:
        """The marker says it was sent, and when (it is written right after the send);
        the text is not kept, so the outbox renders it again."""
        marker = self.markers / key
        try:
            provider_id, written = marker.read_text(), marker.stat().st_mtime
        except FileNotFoundError:
            return None
        return Delivery(provider_id=provider_id, delivered_at=datetime.fromtimestamp(written, UTC))
