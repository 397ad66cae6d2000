"""The loan account (its balance and days past due) and the payments applied to it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.money import format_money

from .borrowers import Borrower

MONEY = {"max_digits": 14, "decimal_places": 2}
NON_NEGATIVE = [MinValueValidator(Decimal("0"))]


class Currency(models.TextChoices):
    CNY = "CNY", _("Chinese yuan")
    USD = "USD", _("US dollar")
    GBP = "GBP", _("Pound sterling")
    EUR = "EUR", _("Euro")
    HKD = "HKD", _("Hong Kong dollar")


class LoanAccountQuerySet(models.QuerySet):
    def owing(self):
        """Accounts with anything left to pay (principal, interest or fees)."""
        return self.alias(owing_total=OWING_TOTAL).filter(owing_total__gt=0)

    def paid_off(self):
        return self.alias(owing_total=OWING_TOTAL).filter(owing_total__lte=0)


# The balance as SQL, for the set-based queries ("owing" is one definition, used by the
# nightly cycle, the engine's facts and the pages alike).
OWING_TOTAL = F("outstanding_principal") + F("outstanding_interest") + F("outstanding_fees")


class LoanAccount(models.Model):
    borrower = models.ForeignKey(
        Borrower, on_delete=models.PROTECT, related_name="accounts", verbose_name=_("borrower")
    )
    loan_number = models.CharField(
        max_length=40, unique=True, help_text=_("The lender's external loan number."), verbose_name=_("loan number")
    )
    product = models.CharField(max_length=100, verbose_name=_("product"))
    currency = models.CharField(
        max_length=3, choices=Currency.choices, default=Currency.CNY, verbose_name=_("currency")
    )
    principal = models.DecimalField(**MONEY, validators=NON_NEGATIVE, verbose_name=_("principal"))
    outstanding_principal = models.DecimalField(
        **MONEY, validators=NON_NEGATIVE, verbose_name=_("outstanding principal")
    )
    outstanding_interest = models.DecimalField(
        **MONEY, default=Decimal("0"), validators=NON_NEGATIVE, verbose_name=_("outstanding interest")
    )
    outstanding_fees = models.DecimalField(
        **MONEY, default=Decimal("0"), validators=NON_NEGATIVE, verbose_name=_("outstanding fees")
    )
    oldest_unpaid_due_date = models.DateField(
        null=True,
        blank=True,
        help_text=_("Due date of the oldest unpaid instalment; empty when nothing is overdue."),
        verbose_name=_("oldest unpaid due date"),
    )
    # Derived from oldest_unpaid_due_date; stored so lists and the nightly cycle can
    # filter and sort on it. Refreshed on save and by the nightly cycle.
    days_past_due = models.PositiveIntegerField(default=0, db_index=True, verbose_name=_("days past due"))
    region = models.CharField(max_length=100, blank=True, verbose_name=_("region"))
    # Reg F 1006.26 / limitation acts: the period runs again from the last payment or
    # written acknowledgement of the debt (record_payment, record_acknowledgement, the feed).
    last_acknowledged_on = models.DateField(
        null=True,
        blank=True,
        help_text=_("Date of the last payment or acknowledgement of the debt; the limitation period runs from it."),
        verbose_name=_("last payment or acknowledgement"),
    )
    acknowledgement_evidence = models.TextField(
        blank=True,
        help_text=_("Where the last written or recorded acknowledgement is kept (a letter, a call recording)."),
        verbose_name=_("acknowledgement evidence"),
    )
    limitation_years_override = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text=_("Limitation period for this account when it differs from the profile's (US: the state's period)."),
        verbose_name=_("limitation period for this account (years)"),
    )
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    history = HistoricalRecords()

    objects = LoanAccountQuerySet.as_manager()

    class Meta:
        verbose_name = _("loan account")
        verbose_name_plural = _("loan accounts")
        ordering = ["loan_number"]
        indexes = [
            # The worklist sorts a collector's cases by DPD bucket and balance: on PostgreSQL
            # each case's account is then read from this index alone (an index-only scan).
            models.Index(
                fields=["id"],
                include=["days_past_due", "outstanding_principal", "outstanding_interest", "outstanding_fees"],
                name="account_priority",
            )
        ]
        permissions = [
            ("post_default_charge", _("Can post default charges to an account")),
            ("record_acknowledgement", _("Can record a borrower's acknowledgement of the debt")),
        ]

    def __str__(self):
        return self.loan_number

    def save(self, *args, **kwargs):
        self.days_past_due = self.days_past_due_on(timezone.localdate())
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "days_past_due"}
        super().save(*args, **kwargs)

    @property
    def outstanding_total(self) -> Decimal:
        return self.outstanding_principal + self.outstanding_interest + self.outstanding_fees

    def days_past_due_on(self, day: date) -> int:
        if self.oldest_unpaid_due_date is None or self.outstanding_total <= 0:
            return 0
        return max((day - self.oldest_unpaid_due_date).days, 0)

    def limitation(self, profile) -> Limitation | None:
        """When this debt becomes time-barred under ``profile`` and why, read from the row
        alone (the engine asks for every case of a work queue: no query). None when the
        profile sets no limitation period or nothing dates the debt."""
        years = self.limitation_years_override or profile.limitation_years
        if not years:
            return None
        if self.last_acknowledged_on is not None:
            basis, since = Limitation.ACKNOWLEDGED, self.last_acknowledged_on
        elif self.oldest_unpaid_due_date is not None:
            basis, since = Limitation.DUE, self.oldest_unpaid_due_date
        else:
            return None
        return Limitation(
            on=_years_after(since, years),
            since=since,
            basis=basis,
            years=years,
            account_override=bool(self.limitation_years_override),
            profile=profile.label,
        )

    def limitation_date(self, profile) -> date | None:
        limitation = self.limitation(profile)
        return limitation.on if limitation else None

    def time_barred_on(self, day: date, profile) -> bool:
        """Past the limitation date on ``day`` (the limitation date itself is not past it)."""
        limit = self.limitation_date(profile)
        return limit is not None and day > limit


def _years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February into a common year: the period ends on the 28th
        return day.replace(year=day.year + years, day=28)


@dataclass(frozen=True)
class Limitation:
    """A debt's limitation date and what it was counted from (the dossier shows both)."""

    ACKNOWLEDGED = "acknowledged"  # the last payment or acknowledgement
    DUE = "due"  # nothing paid or acknowledged: the oldest unpaid due date

    on: date
    since: date
    basis: str
    years: int
    account_override: bool
    profile: str


class Payment(models.Model):
    class Source(models.TextChoices):
        FEED = "feed", _("Loan system feed")
        MANUAL = "manual", _("Recorded by staff")
        FIELD_VISIT = "field_visit", _("Guided on a field visit")
        API = "api", _("Loan system, in real time")

    account = models.ForeignKey(
        LoanAccount, on_delete=models.PROTECT, related_name="payments", verbose_name=_("account")
    )
    reference = models.CharField(
        max_length=64, unique=True, help_text=_("External reference; a repeat is ignored."), verbose_name=_("reference")
    )
    amount = models.DecimalField(**MONEY, validators=[MinValueValidator(Decimal("0.01"))], verbose_name=_("amount"))
    currency = models.CharField(max_length=3, choices=Currency.choices, verbose_name=_("currency"))
    paid_at = models.DateTimeField(verbose_name=_("paid at"))
    source = models.CharField(max_length=12, choices=Source.choices, default=Source.FEED, verbose_name=_("source"))
    # How the amount was applied: fees first, then interest, then principal.
    applied_fees = models.DecimalField(**MONEY, default=Decimal("0"), verbose_name=_("applied fees"))
    applied_interest = models.DecimalField(**MONEY, default=Decimal("0"), verbose_name=_("applied interest"))
    applied_principal = models.DecimalField(**MONEY, default=Decimal("0"), verbose_name=_("applied principal"))
    unapplied = models.DecimalField(
        **MONEY, default=Decimal("0"), help_text=_("Overpayment held as credit."), verbose_name=_("unapplied")
    )
    recorded_at = models.DateTimeField(default=timezone.now, verbose_name=_("recorded at"))
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
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-paid_at"]
        indexes = [models.Index(fields=["account", "paid_at"], name="payment_account_time")]

    def __str__(self):
        return f"{format_money(self.amount, self.currency)} ({self.reference})"
