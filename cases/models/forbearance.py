"""Forbearance assessments: what the lender offered a borrower in difficulty before
enforcement, and what the borrower said (EU CCD2 art. 35, FCA PS24/2 and CONC 7.3).

Written only by ``cases.services.record_forbearance_assessment``; the legal-referral
guard ``forbearance_assessed`` reads the latest one.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.when import local_date


class ForbearanceOption(models.TextChoices):
    TERM_EXTENSION = "term_extension", _("Term extension")
    PAYMENT_HOLIDAY = "payment_holiday", _("Payment holiday")
    REDUCED_RATE = "reduced_rate", _("Reduced interest rate")
    PARTIAL_WRITE_OFF = "partial_write_off", _("Partial write-off")
    REPAYMENT_PLAN = "repayment_plan", _("Repayment plan")


class ForbearanceAnswer(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted an option")
    DECLINED = "declined", _("Declined")
    CONSIDERING = "considering", _("Still considering")
    NO_RESPONSE = "no_response", _("No response")


def option_labels(codes) -> list[str]:
    """The options' names in the reader's language; a code this release does not know as it is."""
    return [str(ForbearanceOption(code).label) if code in ForbearanceOption.values else code for code in codes]


class ForbearanceAssessment(models.Model):
    case = models.ForeignKey(
        "cases.CollectionCase",
        on_delete=models.PROTECT,
        related_name="forbearance_assessments",
        verbose_name=_("case"),
    )
    circumstances = models.TextField(
        help_text=_("The borrower's circumstances as assessed: income, outgoings, what changed."),
        verbose_name=_("circumstances"),
    )
    # Option codes (ForbearanceOption), in the order offered; labels are written when read.
    options_offered = models.JSONField(default=list, verbose_name=_("options offered"))
    answer = models.CharField(max_length=16, choices=ForbearanceAnswer.choices, verbose_name=_("borrower's answer"))
    accepted_option = models.CharField(
        max_length=20,
        choices=ForbearanceOption.choices,
        blank=True,
        help_text=_("The option the borrower accepted (only with the answer “accepted an option”)."),
        verbose_name=_("accepted option"),
    )
    debt_advice_offered = models.BooleanField(
        default=False,
        help_text=_("The borrower was offered a referral to free, independent debt advice."),
        verbose_name=_("debt-advice referral offered"),
    )
    note = models.TextField(blank=True, verbose_name=_("note"))
    assessed_at = models.DateTimeField(default=timezone.now, verbose_name=_("assessed at"))
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("assessed by"),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("forbearance assessment")
        verbose_name_plural = _("forbearance assessments")
        ordering = ["-assessed_at", "-pk"]
        indexes = [models.Index(fields=["case", "assessed_at"], name="forbearance_case_time")]

    def __str__(self):
        return _("Forbearance assessment of %(day)s") % {"day": local_date(self.assessed_at)}

    @property
    def options_shown(self) -> str:
        return ", ".join(option_labels(self.options_offered or []))
