"""
The consent ledger (POLICY.md second edition, "Consent"): the borrower's consents to be
contacted on an electronic channel, their withdrawals, and the messages borrowers send us
(a reply "STOP" is a withdrawal). Rows are written by ``contacts.consent`` only and never
edited: a later grant or revocation supersedes an earlier one, so the ledger reads as
what the borrower said, when, and how we know.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.when import local_datetime
from policy.codes import ELECTRONIC_CHANNELS, Channel, RevocationScope

# Consent concerns the electronic channels only (calls, letters and visits need none).
ELECTRONIC_CHANNEL_CHOICES = [(value, label) for value, label in Channel.choices if value in ELECTRONIC_CHANNELS]
# What a borrower can send us.
INBOUND_CHANNEL_CHOICES = [(Channel.SMS.value, Channel.SMS.label), (Channel.EMAIL.value, Channel.EMAIL.label)]


def _who(user) -> str:
    return user.get_username() if user is not None else gettext("system")


class Consent(models.Model):
    """The borrower agreed to be contacted on ``channel`` (at one contact point, or at any)."""

    class Purpose(models.TextChoices):
        COLLECTION = "collection", _("Collection communications")

    class GrantedVia(models.TextChoices):
        WRITTEN = "written", _("In writing")
        RECORDED_CALL = "recorded_call", _("On a recorded call")
        WEB_FORM = "web_form", _("Web form")
        IMPORTED = "imported", _("Imported with the loan (contract)")

    borrower = models.ForeignKey(
        "cases.Borrower", on_delete=models.PROTECT, related_name="consents", verbose_name=_("borrower")
    )
    channel = models.CharField(max_length=12, choices=ELECTRONIC_CHANNEL_CHOICES, verbose_name=_("channel"))
    contact_point = models.ForeignKey(
        "cases.ContactPoint",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty: every contact point on this channel."),
        verbose_name=_("contact point"),
    )
    purpose = models.CharField(
        max_length=16, choices=Purpose.choices, default=Purpose.COLLECTION, verbose_name=_("purpose")
    )
    granted_via = models.CharField(max_length=16, choices=GrantedVia.choices, verbose_name=_("granted via"))
    evidence = models.TextField(
        help_text=_("Where the proof is: the signed form, the call recording, the import file and line."),
        verbose_name=_("evidence"),
    )
    granted_at = models.DateTimeField(default=timezone.now, verbose_name=_("granted at"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty: the system (an import)."),
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(default=timezone.now, verbose_name=_("recorded at"))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["-granted_at"]
        indexes = [models.Index(fields=["borrower", "channel"], name="consent_lookup")]

    def __str__(self):
        return gettext("%(borrower)s consented to %(channel)s on %(when)s") % {
            "borrower": self.borrower,
            "channel": self.get_channel_display(),
            "when": local_datetime(self.granted_at),
        }


class InboundMessage(models.Model):
    """A message a borrower sent us, kept as received: it is the evidence of what they
    asked (a reply "STOP" withdraws consent, contacts/consent.py)."""

    channel = models.CharField(max_length=12, choices=INBOUND_CHANNEL_CHOICES, verbose_name=_("channel"))
    sender = models.CharField(max_length=255, help_text=_("The sender as received."), verbose_name=_("sender"))
    contact_point = models.ForeignKey(
        "cases.ContactPoint", on_delete=models.PROTECT, related_name="+", verbose_name=_("contact point")
    )
    borrower = models.ForeignKey(
        "cases.Borrower", on_delete=models.PROTECT, related_name="inbound_messages", verbose_name=_("borrower")
    )
    body = models.TextField(verbose_name=_("body"))
    provider_message_id = models.CharField(max_length=120, verbose_name=_("provider message id"))
    received_at = models.DateTimeField(default=timezone.now, verbose_name=_("received at"))
    keyword = models.CharField(
        max_length=20,
        blank=True,
        help_text=_("The withdrawal keyword the message was read as (empty: none)."),
        verbose_name=_("recognised keyword"),
    )

    class Meta:
        verbose_name = _("inbound message")
        verbose_name_plural = _("inbound messages")
        ordering = ["-received_at"]
        constraints = [
            # A provider that delivers the same message twice records it once.
            models.UniqueConstraint(
                fields=["channel", "provider_message_id", "contact_point"], name="inbound_message_once"
            ),
        ]
        indexes = [models.Index(fields=["borrower", "received_at"], name="inbound_borrower_time")]

    def __str__(self):
        return gettext("%(channel)s from %(sender)s on %(when)s") % {
            "channel": self.get_channel_display(),
            "sender": self.contact_point.masked_value,
            "when": local_datetime(self.received_at),
        }


class ConsentRevocation(models.Model):
    """The borrower withdrew consent, as far as ``scope`` reaches. Honoured at once, on
    every profile, whether or not the profile needs consent (FCC TCPA revocation order,
    2024; Reg F 1006.6(e) opt-out)."""

    class Via(models.TextChoices):
        INBOUND_REPLY = "inbound_reply", _("Reply to a message")
        CALL = "call", _("On a call")
        WRITTEN = "written", _("In writing")
        WEB_FORM = "web_form", _("Web form")
        STAFF = "staff", _("Told a member of staff")

    borrower = models.ForeignKey(
        "cases.Borrower", on_delete=models.PROTECT, related_name="consent_revocations", verbose_name=_("borrower")
    )
    scope = models.CharField(max_length=16, choices=RevocationScope.choices, verbose_name=_("scope"))
    channel = models.CharField(
        max_length=12,
        choices=ELECTRONIC_CHANNEL_CHOICES,
        blank=True,
        help_text=_("Empty when the withdrawal covers all electronic channels or every channel."),
        verbose_name=_("channel"),
    )
    contact_point = models.ForeignKey(
        "cases.ContactPoint",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Only for a withdrawal at one contact point."),
        verbose_name=_("contact point"),
    )
    revoked_at = models.DateTimeField(default=timezone.now, verbose_name=_("revoked at"))
    via = models.CharField(max_length=16, choices=Via.choices, verbose_name=_("via"))
    inbound_message = models.OneToOneField(
        InboundMessage,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="revocation",
        verbose_name=_("inbound message"),
    )
    evidence = models.TextField(blank=True, verbose_name=_("evidence"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty: the system (an inbound reply)."),
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(default=timezone.now, verbose_name=_("recorded at"))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("consent revocation")
        verbose_name_plural = _("consent revocations")
        ordering = ["-revoked_at"]
        indexes = [models.Index(fields=["borrower", "revoked_at"], name="revocation_lookup")]
        constraints = [
            # The scope decides which of channel and contact point are named.
            models.CheckConstraint(
                condition=(
                    Q(scope=RevocationScope.CONTACT_POINT, contact_point__isnull=False) & ~Q(channel="")
                    | Q(scope=RevocationScope.CHANNEL, contact_point__isnull=True) & ~Q(channel="")
                    | Q(scope__in=[RevocationScope.ELECTRONIC, RevocationScope.EVERYTHING], contact_point__isnull=True)
                    & Q(channel="")
                ),
                name="revocation_scope_names_its_target",
            ),
        ]

    def __str__(self):
        return gettext("%(borrower)s withdrew consent (%(scope)s) on %(when)s") % {
            "borrower": self.borrower,
            "scope": self.scope_text,
            "when": local_datetime(self.revoked_at),
        }

    @property
    def scope_text(self) -> str:
        """How far it reaches, in words: "SMS at Phone 138****5678", "all electronic channels"."""
        if self.scope == RevocationScope.CONTACT_POINT and self.contact_point is not None:
            return gettext("%(channel)s at %(point)s") % {
                "channel": self.get_channel_display(),
                "point": self.contact_point,
            }
        if self.scope == RevocationScope.CHANNEL:
            return str(self.get_channel_display())
        return str(self.get_scope_display()).lower()

    @property
    def recorded_by_text(self) -> str:
        return _who(self.recorded_by)
