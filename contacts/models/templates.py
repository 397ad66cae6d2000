"""Message templates and the borrower's channel opt-outs."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from policy.codes import Channel

from .. import template_text


class MessageTemplate(models.Model):
    """A reminder or letter text. Usable only once a compliance reviewer approved this
    exact version; editing writes a new, unapproved version."""

    VARIABLES = {
        "borrower_name",
        # the amount with its currency, written the borrower's way (3,622.60 元 / CN¥3,622.60)
        "amount",
        "amount_due",
        "currency",
        "days_past_due",
        "due_date",
        "loan_number",
        "lender_name",
        "hotline",
        "payment_instructions",
        # field-visit notices
        "visit_window",
        "visit_purpose",
        "agent_badges",
        "verification_code",
        "verify_url",
    }
    # POLICY.md "Prohibited content": words that have no place in a collection message.
    PROHIBITED = [
        "arrest",
        "police",
        "jail",
        "prison",
        "criminal",
        "blacklist",
        "court order",
        "sue you",
        "逮捕",
        "公安",
        "坐牢",
        "拘留",
        "黑名单",
        "犯罪",
        "法院传票",
    ]

    code = models.SlugField(
        max_length=60, help_text=_("Stable name of the message, e.g. sms-reminder-dpd1."), verbose_name=_("code")
    )
    version = models.PositiveIntegerField(default=1, verbose_name=_("version"))
    channel = models.CharField(max_length=12, choices=Channel.choices, verbose_name=_("channel"))
    language = models.CharField(
        max_length=8, choices=[("zh-hans", "简体中文"), ("en", "English")], verbose_name=_("language")
    )
    subject = models.CharField(max_length=200, blank=True, verbose_name=_("subject"))
    body = models.TextField(
        help_text=format_lazy(_("Variables in braces: {}"), ", ".join(f"{{{v}}}" for v in sorted(VARIABLES))),
        verbose_name=_("body"),
    )
    is_required_notice = models.BooleanField(
        default=False,
        help_text=_("A notice the law requires even after a cease request (e.g. collection ends)."),
        verbose_name=_("is required notice"),
    )
    is_consent_request = models.BooleanField(
        default=False,
        help_text=_("A message that only asks the borrower's consent to be contacted this way (US-NYC)."),
        verbose_name=_("is consent request"),
    )
    is_stop_confirmation = models.BooleanField(
        default=False,
        help_text=_("The one message confirming a borrower's withdrawal of consent (a reply STOP)."),
        verbose_name=_("is stop confirmation"),
    )
    is_validation_notice = models.BooleanField(
        default=False,
        help_text=_("A validation-type notice; for a time-barred debt it carries the time-barred disclosure."),
        verbose_name=_("is validation notice"),
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    approved_at = models.DateTimeField(null=True, blank=True, verbose_name=_("approved at"))
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("approved by"),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")
        ordering = ["code", "-version"]
        constraints = [models.UniqueConstraint(fields=["code", "version"], name="template_code_version_unique")]
        permissions = [("approve_messagetemplate", _("Can approve message template versions"))]

    def __str__(self):
        return (
            f"{self.code} v{self.version}"
            if self.is_approved
            else _("%(code)s v%(version)s (not approved)") % {"code": self.code, "version": self.version}
        )

    @property
    def is_approved(self) -> bool:
        return self.approved_at is not None

    @property
    def names_lender(self) -> bool:
        """States the lender's identity (CBA 2026: a case's first contact must)."""
        return template_text.names_lender(self.subject, self.body)

    @property
    def mentions_legal_action(self) -> bool:
        return template_text.mentions_legal_action(self.subject, self.body)

    def clean(self):
        super().clean()
        template_text.check_text(
            self.subject, self.body, channel=self.channel, variables=self.VARIABLES, prohibited=self.PROHIBITED
        )


class ChannelOptOut(models.Model):
    """The borrower asked not to be contacted on a channel (everywhere, or at one point)."""

    borrower = models.ForeignKey(
        "cases.Borrower", on_delete=models.PROTECT, related_name="channel_opt_outs", verbose_name=_("borrower")
    )
    channel = models.CharField(max_length=12, choices=Channel.choices, verbose_name=_("channel"))
    contact_point = models.ForeignKey(
        "cases.ContactPoint",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty: every contact point on this channel."),
        verbose_name=_("contact point"),
    )
    requested_at = models.DateTimeField(default=timezone.now, verbose_name=_("requested at"))
    note = models.CharField(max_length=255, blank=True, verbose_name=_("note"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("channel opt out")
        verbose_name_plural = _("channel opt outs")
        indexes = [models.Index(fields=["borrower", "channel"], name="opt_out_lookup")]

    def __str__(self):
        channel = self.get_channel_display()
        return gettext("%(borrower)s opted out of %(channel)s") % {"borrower": self.borrower, "channel": channel}
