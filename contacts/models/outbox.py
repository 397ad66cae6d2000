"""The outbox of scheduled messages, and the receipts webhook's nonces."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.when import local_datetime
from policy.codes import Channel

from .. import refusals
from .attempts import ContactAttempt
from .templates import MessageTemplate


class OutboundMessage(models.Model):
    """The outbox: a message to send, written in the same transaction as the decision to
    send it. Workers deliver rows; the idempotency key goes to the gateway, so a retry or
    a worker killed mid-send never sends twice and never loses a message."""

    class State(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")
        SUPPRESSED = "suppressed", _("Suppressed")

    class Purpose(models.TextChoices):
        REMINDER = "reminder", _("Reminder")
        LETTER = "letter", _("Formal letter")
        VISIT_NOTICE = "visit_notice", _("Field-visit notice")
        FOLLOW_UP = "follow_up", _("Follow-up")
        STOP_CONFIRMATION = "stop_confirmation", _("Confirmation of a withdrawal of consent")

    case = models.ForeignKey(
        "cases.CollectionCase", on_delete=models.PROTECT, related_name="outbound_messages", verbose_name=_("case")
    )
    channel = models.CharField(max_length=12, choices=Channel.choices, verbose_name=_("channel"))
    purpose = models.CharField(
        max_length=20, choices=Purpose.choices, default=Purpose.REMINDER, verbose_name=_("purpose")
    )
    template = models.ForeignKey(
        MessageTemplate, on_delete=models.PROTECT, related_name="+", verbose_name=_("template")
    )
    contact_point = models.ForeignKey(
        "cases.ContactPoint", on_delete=models.PROTECT, related_name="+", verbose_name=_("contact point")
    )
    slot = models.DateTimeField(
        help_text=_("The cadence slot this message belongs to (part of its identity)."), verbose_name=_("slot")
    )
    scheduled_for = models.DateTimeField(
        db_index=True,
        help_text=_("Not before this instant (moved on when the engine says later)."),
        verbose_name=_("scheduled for"),
    )
    idempotency_key = models.CharField(max_length=120, unique=True, verbose_name=_("idempotency key"))
    state = models.CharField(
        max_length=10, choices=State.choices, default=State.SCHEDULED, db_index=True, verbose_name=_("state")
    )
    tries = models.PositiveSmallIntegerField(default=0, verbose_name=_("tries"))
    claimed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("claimed at"))
    claim_token = models.CharField(max_length=40, blank=True, verbose_name=_("claim token"))
    claim_expired = models.BooleanField(
        default=False,
        help_text=_(
            "Claimed after an earlier worker's claim ran out: that worker may have delivered it, so the "
            "gateway is asked before it is judged again."
        ),
        verbose_name=_("claimed after a stopped worker"),
    )
    last_error = models.TextField(blank=True, verbose_name=_("last error"))
    suppressed_reasons = models.JSONField(default=list, blank=True, verbose_name=_("suppressed reasons"))
    suppressed_params = models.JSONField(
        default=list,
        db_default=models.Value([], output_field=models.JSONField()),
        blank=True,
        help_text=_("Each reason the message was dropped for, with the facts behind it."),
        verbose_name=_("suppression parameters"),
    )
    subject = models.CharField(max_length=200, blank=True, verbose_name=_("subject"))
    body = models.TextField(blank=True, help_text=_("The exact text sent."), verbose_name=_("body"))
    provider_message_id = models.CharField(
        max_length=120, blank=True, db_index=True, verbose_name=_("provider message id")
    )
    sent_at = models.DateTimeField(null=True, blank=True, verbose_name=_("sent at"))
    delivered_at = models.DateTimeField(null=True, blank=True, verbose_name=_("delivered at"))
    attempt = models.OneToOneField(
        ContactAttempt,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="outbound_message",
        verbose_name=_("attempt"),
    )
    context = models.JSONField(
        default=dict,
        blank=True,
        help_text=_("Extra template variables for this message (e.g. a visit's window and code)."),
        verbose_name=_("context"),
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("outbound message")
        verbose_name_plural = _("outbound messages")
        ordering = ["scheduled_for"]
        constraints = [
            models.UniqueConstraint(fields=["case", "template", "slot"], name="outbox_one_message_per_slot"),
        ]
        indexes = [models.Index(fields=["state", "scheduled_for"], name="outbox_due")]

    def __str__(self):
        return gettext("%(channel)s to case %(case)s at %(when)s (%(state)s)") % {
            "channel": self.get_channel_display(),
            "case": self.case_id,
            "when": local_datetime(self.scheduled_for),
            "state": self.get_state_display().lower(),
        }

    @property
    def suppression_explanations(self) -> list[str]:
        """Why it was dropped, in the reader's language."""
        return refusals.explain_all(self.suppressed_reasons, self.suppressed_params)

    @staticmethod
    def key_for(case_id, template_id, slot, suffix: str = "") -> str:
        return f"case{case_id}-tpl{template_id}-{slot:%Y%m%dT%H%M}{suffix}"


class ReceiptNonce(models.Model):
    """The nonce of a delivery receipt we accepted, kept while a receipt with its
    timestamp could still be accepted: the same receipt sent again finds it taken
    (contacts/receipts.py). Forgotten afterwards by the forget_receipt_nonces job."""

    nonce = models.CharField(max_length=64, unique=True, verbose_name=_("nonce"))
    expires_at = models.DateTimeField(db_index=True, verbose_name=_("expires at"))

    class Meta:
        verbose_name = _("delivery receipt nonce")
        verbose_name_plural = _("delivery receipt nonces")

    def __str__(self):
        return self.nonce
