from datetime import timedelta
import json
import urllib.error
import urllib.request

from django.conf import settings
from django.utils import timezone
from django.utils.http import parse_http_date

from .base import BaseGateway, GatewayError, OutgoingMessage, PermanentGatewayError


class HttpGateway(BaseGateway):
    """A generic JSON-over-HTTPS provider (SMS, voice, social messaging).

    POSTs {to, subject, body, channel, reference} with a bearer token and an
    Idempotency-Key header (the provider de-duplicates on it) and expects {"id": ...}.
    5xx and network errors are retried; 429 (too many requests) is retried when its
    Retry-After says, or after the outbox's backoff; other 4xx are permanent.
    """

    timeout = 10
    # A Retry-After further away than this is not believed: the message tries again then.
    longest_wait = timedelta(hours=24)

    def __init__(self, url: str | None = None, token: str | None = None):
        self.url = url or settings.GATEWAY_HTTP_URL
        self.token = token or settings.GATEWAY_HTTP_TOKEN
        if not self.url:
            raise PermanentGatewayError("GATEWAY_HTTP_URL is not set.")

    def send(self, message: OutgoingMessage) -> str:
        payload = json.dumps(
            {
                "to": message.to,
                "subject": message.subject,
                "body": message.body,
                "channel": message.channel,
                "reference": message.key,
            }
        ).encode()
        request = urllib.request.Request(
            self.url,
            data=payload,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Bearer {self.token}",
                "Idempotency-Key": message.key,
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return str(json.loads(response.read())["id"])
        except urllib.error.HTTPError as error:
            if error.code == 429:
                wait = self.retry_after((error.headers or {}).get("Retry-After", ""))
                when = f"retry after {int(wait.total_seconds())} s" if wait is not None else "no Retry-After"
                raise GatewayError(f"Provider busy: HTTP 429, {when}.", retry_after=wait) from error
            if 400 <= error.code < 500:
                raise PermanentGatewayError(f"Provider refused the message: HTTP {error.code}.") from error
            raise GatewayError(f"Provider error: HTTP {error.code}.") from error
        except (urllib.error.URLError, TimeoutError, KeyError, ValueError) as error:
            raise GatewayError(f"Provider unreachable or answered badly: {error}.") from error

    def retry_after(self, header: str) -> timedelta | None:
        """The wait a Retry-After header asks for (seconds, or an HTTP date), at most
        ``longest_wait``; None when it is missing or unreadable."""
        header = header.strip()
        if header.isascii() and header.isdigit():
            seconds = int(header)
        else:
            try:
                seconds = parse_http_date(header) - int(timezone.now().timestamp())
            except ValueError:
                return None
        return timedelta(seconds=min(max(seconds, 0), self.longest_wait.total_seconds()))
