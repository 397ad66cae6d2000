"""API keys: made here, shown once, kept as a digest; found by prefix, proved in constant time."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exceptions import ServiceError

from .models import ApiClient


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _new_key() -> tuple[str, str, str]:
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    return prefix, secret, f"{prefix}.{secret}"


class ClientNameTaken(ServiceError):
    pass


def create_client(*, name: str, scopes, by, requests_per_minute: int = 600) -> tuple[ApiClient, str]:
    """A new client and its key (the only time the key exists in clear)."""
    if ApiClient.objects.filter(name=name).exists():
        raise ClientNameTaken(_("The name %(name)s already has a client; choose another.") % {"name": name})
    prefix, secret, key = _new_key()
    client = ApiClient.objects.create(
        name=name,
        prefix=prefix,
        key_digest=_digest(secret),
        scopes=sorted(set(scopes)),
        requests_per_minute=requests_per_minute,
        created_by=by,
    )
    return client, key


@transaction.atomic
def rotate_key(client: ApiClient) -> str:
    """A new key for ``client``; the old one stops working at once."""
    prefix, secret, key = _new_key()
    ApiClient.objects.filter(pk=client.pk).update(prefix=prefix, key_digest=_digest(secret), rotated_at=timezone.now())
    client.refresh_from_db()
    return key


def revoke(client: ApiClient) -> None:
    ApiClient.objects.filter(pk=client.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    client.refresh_from_db()


def client_for_key(key: str) -> ApiClient | None:
    """The client whose key this is (revoked or not), or None."""
    prefix, _dot, secret = key.partition(".")
    if not secret:
        return None
    client = ApiClient.objects.filter(prefix=prefix).first()
    if client is None or not hmac.compare_digest(client.key_digest, _digest(secret)):
        return None
    return client
