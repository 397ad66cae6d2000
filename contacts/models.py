"""
Policy profiles: every number the escalation ladder and the compliance engine use.

A profile is versioned, never edited in place: saving a change writes a new version
(see ``contacts.services.save_profile_version``), so every case event and contact
attempt can name the exact version that judged it and a later change never
re-judges the past.
"""
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from simple_history.models import HistoricalRecords


class ProfileCode(models.TextChoices):
    CN = "CN", "China (default)"
    US_REGF = "US-REGF", "US Regulation F"
    US_MA = "US-MA", "US Massachusetts"
    UK_FCA = "UK-FCA", "UK FCA"


def _days(default, help_text):
    return models.PositiveIntegerField(default=default, help_text=help_text)


class PolicyProfile(models.Model):
    code = models.CharField(max_length=16, choices=ProfileCode.choices)
    version = models.PositiveIntegerField(default=1)
    name = models.CharField(max_length=100)
    sources = models.TextField(blank=True, help_text="Regulations and policies behind the numbers.")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    change_note = models.CharField(max_length=255, blank=True)

    # Escalation ladder guards (DESIGN.md "The case state machine").
    reminder_min_dpd = _days(1, "Days past due before SMS/email reminders start.")
    phone_min_dpd = _days(8, "Days past due before collectors phone.")
    written_notice_min_dpd = _days(30, "Days past due before a formal letter.")
    field_visit_min_dpd = _days(90, "Days past due before a field visit may be requested.")
    field_visit_min_outstanding = models.DecimalField(
        max_digits=14, decimal_places=2, default=Decimal("10000.00"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text="Smallest outstanding balance (account currency) worth a field visit.",
    )
    field_visit_min_failed_attempts = _days(6, "Failed remote attempts needed before a visit.")
    field_visit_min_failed_channels = _days(2, "Distinct channels those failed attempts must span.")
    field_visit_attempt_window_days = _days(30, "Window in which the failed attempts are counted.")
    written_notice_lead_days = _days(7, "Days the written notice must precede a field visit.")
    legal_min_dpd = _days(180, "Days past due before legal referral.")
    # Arrangements
    promise_max_days = _days(30, "Furthest a promise to pay may be dated.")
    plan_max_installments = _days(6, "Longest repayment plan a collector may agree without a supervisor.")
    # Holds
    breathing_space_days = _days(60, "UK Debt Respite Scheme: standard breathing space length.")
    # Vulnerable borrowers get specialist handling: the nightly cycle never escalates them.
    auto_escalate_vulnerable = models.BooleanField(default=False)
    retention_years = _days(5, "Years records are kept after the last activity.")

    history = HistoricalRecords()

    class Meta:
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="policy_profile_code_version_unique"),
        ]

    def __str__(self):
        return f"{self.code} v{self.version}"

    @property
    def label(self) -> str:
        return f"{self.code} v{self.version}"
