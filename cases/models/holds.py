"""Holds: what stops collection on a case (dispute, hardship, cease request, breathing
space, bankruptcy, death, a complaint under investigation)."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.uploads import DOCUMENTS, ProtectedFileField, RandomName
from core.when import local_date


class HoldQuerySet(models.QuerySet):
    def active(self, at: datetime | None = None):
        """Holds in force at ``at`` (now): started, not released, not past their end."""
        at = at or timezone.now()
        return self.filter(released_at__isnull=True, starts_at__lte=at).filter(
            Q(ends_at__isnull=True) | Q(ends_at__gt=at)
        )

    def expired(self, at: datetime | None = None):
        """Unreleased holds whose end date has passed (the nightly cycle releases them)."""
        return self.filter(released_at__isnull=True, ends_at__lte=at or timezone.now())


class Hold(models.Model):
    class Kind(models.TextChoices):
        DISPUTE = "dispute", _("Dispute")
        HARDSHIP = "hardship", _("Hardship")
        CEASE_COMMUNICATION = "cease_communication", _("Cease-communication request")
        BREATHING_SPACE = "breathing_space", _("Breathing space")
        # UK Debt Respite Scheme: lasts for the crisis treatment plus 30 days, not 60 days.
        CRISIS_BREATHING_SPACE = "crisis_breathing_space", _("Mental health crisis breathing space")
        BANKRUPTCY = "bankruptcy", _("Bankruptcy")
        DECEASED = "deceased", _("Deceased")
        COMPLAINT_INVESTIGATION = "complaint_investigation", _("Complaint under investigation")

    case = models.ForeignKey(
        "cases.CollectionCase", on_delete=models.PROTECT, related_name="holds", verbose_name=_("case")
    )
    kind = models.CharField(max_length=24, choices=Kind.choices, verbose_name=_("kind"))
    starts_at = models.DateTimeField(default=timezone.now, verbose_name=_("starts at"))
    ends_at = models.DateTimeField(
        null=True, blank=True, help_text=_("Empty: until released."), verbose_name=_("ends at")
    )
    note = models.TextField(blank=True, verbose_name=_("note"))
    treatment_ended_on = models.DateField(
        null=True,
        blank=True,
        help_text=_("Crisis breathing space: the day the crisis treatment ended; the hold ends 30 days later."),
        verbose_name=_("crisis treatment ended on"),
    )
    evidence = ProtectedFileField(
        upload_to=RandomName("hold-evidence"),
        kinds=DOCUMENTS,
        limit="hold_evidence",
        download_url="hold_file",
        blank=True,
        verbose_name=_("evidence"),
    )
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("placed by"),
    )
    released_at = models.DateTimeField(null=True, blank=True, verbose_name=_("released at"))
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("released by"),
    )
    release_note = models.TextField(blank=True, verbose_name=_("release note"))

    history = HistoricalRecords()

    objects = HoldQuerySet.as_manager()

    class Meta:
        verbose_name = _("hold")
        verbose_name_plural = _("holds")
        ordering = ["-starts_at"]
        indexes = [models.Index(fields=["case", "released_at"], name="hold_case_active")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gt=models.F("starts_at")),
                name="hold_ends_after_start",
            ),
        ]

    def __str__(self):
        return _("%(kind)s from %(date)s") % {"kind": self.get_kind_display(), "date": local_date(self.starts_at)}

    @property
    def is_active(self) -> bool:
        now = timezone.now()  # the same rule as HoldQuerySet.active, for one row in memory
        return self.released_at is None and self.starts_at <= now and (self.ends_at is None or self.ends_at > now)
