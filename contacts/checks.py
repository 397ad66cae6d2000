"""System checks for the contacts app (``manage.py check --deploy``)."""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

# Shorter secrets can be guessed offline from one captured receipt.
SHORTEST_WEBHOOK_SECRET = 32


@register(Tags.security, deploy=True)
def webhook_secret_check(app_configs, **kwargs):
    """Production (DEBUG off) needs its own delivery-receipt secret, shared with the
    provider: without one every receipt is refused, and SECRET_KEY must never sign them."""
    if settings.DEBUG:
        return []
    secret = settings.GATEWAY_WEBHOOK_SECRET
    if not secret:
        return [
            Error(
                "GATEWAY_WEBHOOK_SECRET is not set: delivery receipts cannot be checked and are all refused.",
                hint="Give the site and the SMS/voice provider the same long random secret "
                "(e.g. python -c 'import secrets; print(secrets.token_urlsafe(50))').",
                id="contacts.E001",
            )
        ]
    if secret == settings.SECRET_KEY:
        return [
            Error(
                "GATEWAY_WEBHOOK_SECRET is the SECRET_KEY: the provider would hold the key that signs sessions.",
                hint="Use a separate secret for delivery receipts.",
                id="contacts.E002",
            )
        ]
    if len(secret) < SHORTEST_WEBHOOK_SECRET:
        return [
            Warning(
                f"GATEWAY_WEBHOOK_SECRET is shorter than {SHORTEST_WEBHOOK_SECRET} characters.",
                hint="Use a long random secret.",
                id="contacts.W001",
            )
        ]
    return []
