"""Outbound gateways, chosen per channel by settings.CONTACT_GATEWAYS, like EMAIL_BACKEND."""

from django.conf import settings
from django.utils.module_loading import import_string

from .base import BaseGateway, Delivery, GatewayError, OutgoingMessage, PermanentGatewayError

__all__ = ["BaseGateway", "Delivery", "GatewayError", "OutgoingMessage", "PermanentGatewayError", "get_gateway"]


def get_gateway(channel: str) -> BaseGateway:
    try:
        dotted = settings.CONTACT_GATEWAYS[channel]
    except KeyError:
        raise PermanentGatewayError(f"No gateway configured for {channel!r} (settings.CONTACT_GATEWAYS).") from None
    return import_string(dotted)()
