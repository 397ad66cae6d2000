"""
Contact attempts (what the engine allowed and what it refused), message templates,
channel opt-outs, the outbox of messages waiting to leave, the consent ledger
(consents, their withdrawals, and the messages borrowers send us), and the callbacks
collectors agreed with borrowers.

The codes they store (channels, outcomes, reason codes) are declared once in
``policy.codes``.
"""

from .attempts import ContactAttempt, ContactAttemptQuerySet
from .callbacks import Callback, CallbackQuerySet
from .consent import Consent, ConsentRevocation, InboundMessage
from .outbox import OutboundMessage, ReceiptNonce
from .templates import ChannelOptOut, MessageTemplate

__all__ = [
    "Callback",
    "CallbackQuerySet",
    "ChannelOptOut",
    "Consent",
    "ConsentRevocation",
    "ContactAttempt",
    "ContactAttemptQuerySet",
    "InboundMessage",
    "MessageTemplate",
    "OutboundMessage",
    "ReceiptNonce",
]
