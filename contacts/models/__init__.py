"""
Contact attempts (what the engine allowed and what it refused), message templates,
channel opt-outs and the outbox of messages waiting to leave.

The codes they store (channels, outcomes, reason codes) are declared once in
``policy.codes``.
"""

from .attempts import ContactAttempt, ContactAttemptQuerySet
from .outbox import OutboundMessage, ReceiptNonce
from .templates import ChannelOptOut, MessageTemplate

__all__ = [
    "ChannelOptOut",
    "ContactAttempt",
    "ContactAttemptQuerySet",
    "MessageTemplate",
    "OutboundMessage",
    "ReceiptNonce",
]
