"""Which address a request came from, for the login lockout (django-axes)."""

from django.conf import settings


def client_ip(request) -> str | None:
    """REMOTE_ADDR; behind TRUSTED_PROXY_COUNT reverse proxies, the address the outermost
    proxy saw. X-Forwarded-For is read from the right, so a client cannot choose its own
    address by sending the header itself."""
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR")
