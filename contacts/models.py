"""
Contact attempts (what the engine allowed and what it refused), message templates,
channel opt-outs and the outbox of messages waiting to leave.

The codes they store (channels, outcomes, reason codes) are declared once in
``policy.codes``.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from cases.selectors import TimelineEntry
from core.when import local_datetime
from policy.codes import BORROWER_REACHED, Channel, Outcome

from . import refusals, template_text


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


class ContactAttemptQuerySet(models.QuerySet):
    def failed_remote(self, since):
        """Contacts that went out since ``since`` (calls, messages, letters; not visits)
        without reaching the borrower: the field-visit rule counts these."""
        return (
            self.filter(allowed=True, direction="outbound", started_at__gte=since)
            .exclude(channel=Channel.FIELD_VISIT)
            .exclude(outcome__in=BORROWER_REACHED)
        )

    def timeline_entries(self, local) -> list[TimelineEntry]:
        """These attempts as lines of the case timeline (cases.selectors.case_timeline);
        ``local`` formats an instant in the borrower's zone."""
        entries = []
        for attempt in self.select_related("agent", "contact_point", "overridden_by"):
            if attempt.allowed:
                summary = attempt.get_outcome_display() + (f" — {attempt.note}" if attempt.note else "")
            else:
                summary = gettext("Refused: %(reasons)s") % {"reasons": " ".join(attempt.refusal_explanations)}
            if attempt.was_overridden:
                by = {"username": attempt.overridden_by.get_username(), "reason": attempt.override_reason}
                summary += " " + gettext("(override by %(username)s: %(reason)s)") % by
            entries.append(
                TimelineEntry(
                    at=attempt.started_at,
                    borrower_local=local(attempt.started_at),
                    kind=attempt.get_channel_display(),
                    actor=attempt.agent.get_username() if attempt.agent else gettext("system"),
                    summary=summary,
                    blocked=not attempt.allowed,
                    overridden=attempt.was_overridden,
                    reasons=tuple(attempt.reasons),
                )
            )
        return entries


class ContactAttempt(models.Model):
    """One contact, made or refused. A refused one is stored too, with its reasons, so
    reviewers see the attempts that never happened."""

    class Direction(models.TextChoices):
        OUTBOUND = "outbound", _("Outbound")
        INBOUND = "inbound", _("Inbound")

    class Party(models.TextChoices):
        NONE = "none", _("Nobody")
        BORROWER = "borrower", _("Borrower")
        THIRD_PARTY = "third_party", _("Third party")

    case = models.ForeignKey(
        "cases.CollectionCase", on_delete=models.PROTECT, related_name="contact_attempts", verbose_name=_("case")
    )
    # Denormalised from the case: the per-borrower budgets count across all their cases.
    borrower = models.ForeignKey(
        "cases.Borrower", on_delete=models.PROTECT, related_name="contact_attempts", verbose_name=_("borrower")
    )
    channel = models.CharField(max_length=12, choices=Channel.choices, verbose_name=_("channel"))
    direction = models.CharField(
        max_length=8, choices=Direction.choices, default=Direction.OUTBOUND, verbose_name=_("direction")
    )
    contact_point = models.ForeignKey(
        "cases.ContactPoint",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="contact_attempts",
        verbose_name=_("contact point"),
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="contact_attempts",
        help_text=_("Empty: the system (scheduled message)."),
        verbose_name=_("agent"),
    )
    started_at = models.DateTimeField(default=timezone.now, verbose_name=_("started at"))
    ended_at = models.DateTimeField(null=True, blank=True, verbose_name=_("ended at"))
    outcome = models.CharField(max_length=16, choices=Outcome.choices, blank=True, verbose_name=_("outcome"))
    conversation = models.BooleanField(
        default=False,
        help_text=_("A telephone conversation with the borrower took place."),
        verbose_name=_("conversation"),
    )
    party_reached = models.CharField(
        max_length=12, choices=Party.choices, default=Party.NONE, verbose_name=_("party reached")
    )
    note = models.TextField(blank=True, verbose_name=_("note"))
    template = models.ForeignKey(
        MessageTemplate, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("template")
    )
    message_text = models.TextField(
        blank=True, help_text=_("The exact text sent, for messages and letters."), verbose_name=_("message text")
    )
    # The policy decision
    allowed = models.BooleanField(verbose_name=_("allowed"))
    reasons = models.JSONField(
        default=list, blank=True, help_text=_("Reason codes of a refusal."), verbose_name=_("reasons")
    )
    # A refusal's meaning, worded when read (contacts/refusals.py); ``explanations`` keeps
    # the words shown at the time, as evidence. (A database default for bulk loads, bench/.)
    refusal_params = models.JSONField(
        default=list,
        db_default=models.Value([], output_field=models.JSONField()),
        blank=True,
        help_text=_("Each reason of a refusal with the facts behind it (counts, limits, local times)."),
        verbose_name=_("refusal parameters"),
    )
    explanations = models.JSONField(default=list, blank=True, verbose_name=_("explanations"))
    next_allowed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("next allowed at"))
    profile = models.ForeignKey(
        "policy.PolicyProfile",
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The profile version that judged this attempt."),
        verbose_name=_("profile"),
    )
    overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("overridden by"),
    )
    override_reason = models.TextField(blank=True, verbose_name=_("override reason"))
    recorded_at = models.DateTimeField(default=timezone.now, verbose_name=_("recorded at"))

    history = HistoricalRecords()

    objects = ContactAttemptQuerySet.as_manager()

    class Meta:
        verbose_name = _("contact attempt")
        verbose_name_plural = _("contact attempts")
        ordering = ["-started_at"]
        indexes = [
            models.Index(fields=["borrower", "started_at"], name="attempt_borrower_time"),
            models.Index(fields=["case", "channel", "started_at"], name="attempt_case_channel_time"),
            models.Index(fields=["contact_point", "started_at"], name="attempt_point_time"),
            models.Index(fields=["allowed", "started_at"], name="attempt_allowed_time"),
        ]
        permissions = [("override_contact_policy", _("Can override an overridable contact refusal"))]

    def __str__(self):
        named = gettext("%(channel)s allowed %(when)s") if self.allowed else gettext("%(channel)s blocked %(when)s")
        return named % {"channel": self.get_channel_display(), "when": local_datetime(self.started_at)}

    @property
    def was_overridden(self) -> bool:
        return self.overridden_by_id is not None

    @property
    def refusal_explanations(self) -> list[str]:
        """Why it was refused, in the reader's language (old rows: the reasons' labels)."""
        return refusals.explain_all(self.reasons, self.refusal_params)


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

    case = models.ForeignKey(
        "cases.CollectionCase", on_delete=models.PROTECT, related_name="outbound_messages", verbose_name=_("case")
    )
    channel = models.CharField(max_length=12, choices=Channel.choices, verbose_name=_("channel"))
    purpose = models.CharField(
        max_length=16, choices=Purpose.choices, default=Purpose.REMINDER, verbose_name=_("purpose")
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
