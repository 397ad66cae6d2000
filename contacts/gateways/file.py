from datetime import datetime
import json
import os
from pathlib import Path
import tempfile

from django.conf import settings
from django.utils import timezone

from .base import BaseGateway, Delivery, OutgoingMessage


class FileGateway(BaseGateway):
    """Writes each message as one JSON file under OUTBOX_DIR/<channel>/ (demo and tests).

    The file is named by the idempotency key and created with a hard link from a
    finished temporary file, which fails if the name exists: delivering a key twice is
    impossible, and a crash leaves either the whole message or none of it.
    """

    def __init__(self, directory: Path | None = None):
        self.directory = Path(directory or settings.OUTBOX_DIR)

    def send(self, message: OutgoingMessage) -> str:
        folder = self.directory / message.channel
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{message.key}.json"
        provider_id = f"file-{message.key}"
        record = {
            "id": provider_id,
            "key": message.key,
            "channel": message.channel,
            "to": message.to,
            "subject": message.subject,
            "body": message.body,
            "case_id": message.case_id,
            "written_at": timezone.now().isoformat(),
        }
        with tempfile.NamedTemporaryFile("w", dir=folder, delete=False, suffix=".tmp", encoding="utf-8") as handle:
            json.dump(record, handle, ensure_ascii=False, indent=1)
            temporary = handle.name
        try:
            os.link(temporary, target)
        except FileExistsError:
            return json.loads(target.read_text(encoding="utf-8"))["id"]
        finally:
            os.unlink(temporary)
        return provider_id

    def find_delivery(self, key: str, channel: str) -> Delivery | None:
        try:
            record = json.loads((self.directory / channel / f"{key}.json").read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        return Delivery(
            provider_id=record["id"],
            delivered_at=datetime.fromisoformat(record["written_at"]),
            subject=record["subject"],
            body=record["body"],
        )


def delivered(channel: str, directory: Path | None = None) -> list[dict]:
    """Messages the file gateway delivered on ``channel`` (for the demo and tests)."""
    folder = Path(directory or settings.OUTBOX_DIR) / channel
    return [json.loads(path.read_text(encoding="utf-8")) for path in sorted(folder.glob("*.json"))]
