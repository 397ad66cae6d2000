"""Contact attempts: every one judged, allowed or refused, is kept."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from cases.selectors import TimelineEntry
from core.when import local_datetime
from policy.codes import BORROWER_REACHED, Channel, Outcome

from .. import refusals
from .templates import MessageTemplate


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
                    actor=attempt.agent.get_username() if attempt.agent else attempt.get_placed_by_display(),
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

    class PlacedBy(models.TextChoices):
        # An automated call is a call for every cap (GB/T 45251-2025 counts AI voice).
        PERSON = "person", _("A person")
        SYSTEM = "system", _("The system (scheduled message)")
        IVR = "ivr", _("Automated call (IVR)")
        VOICE_BOT = "voice_bot", _("Voice bot")

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
    placed_by = models.CharField(
        max_length=12, choices=PlacedBy.choices, default=PlacedBy.PERSON, verbose_name=_("placed by")
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
