"""Arrangements: a promise to pay by a date, or a repayment plan in instalments. While
one is running the case sits in ``arrangement`` instead of on its rung."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.money import format_money
from core.when import local_date

from ..plan_text import reason_sentences
from .accounts import MONEY, Currency


class PromiseQuerySet(models.QuerySet):
    def running(self, today: date | None = None):
        """Pending promises not yet due: an arrangement running."""
        return self.filter(status=PromiseToPay.Status.PENDING, due_date__gte=today or timezone.localdate())


class PlanQuerySet(models.QuerySet):
    def running(self):
        """Active plans: an arrangement running."""
        return self.filter(status=RepaymentPlan.Status.ACTIVE)


def cases_with_running_arrangement(case_ids, today: date | None = None) -> set[int]:
    """The cases among ``case_ids`` with an arrangement running: a pending promise not yet
    due, or an active repayment plan. One query, for one case or a batch."""
    promised = PromiseToPay.objects.running(today).filter(case_id__in=case_ids).values_list("case_id", flat=True)
    planned = RepaymentPlan.objects.running().filter(case_id__in=case_ids).values_list("case_id", flat=True)
    return set(promised.order_by().union(planned.order_by()))


class PromiseToPay(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        KEPT = "kept", _("Kept")
        BROKEN = "broken", _("Broken")
        CANCELLED = "cancelled", _("Cancelled")

    case = models.ForeignKey(
        "cases.CollectionCase", on_delete=models.PROTECT, related_name="promises", verbose_name=_("case")
    )
    amount = models.DecimalField(**MONEY, validators=[MinValueValidator(Decimal("0.01"))], verbose_name=_("amount"))
    currency = models.CharField(max_length=3, choices=Currency.choices, verbose_name=_("currency"))
    due_date = models.DateField(verbose_name=_("due date"))
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True, verbose_name=_("status")
    )
    note = models.TextField(blank=True, verbose_name=_("note"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    settled_at = models.DateTimeField(null=True, blank=True, verbose_name=_("settled at"))

    history = HistoricalRecords()

    objects = PromiseQuerySet.as_manager()

    class Meta:
        verbose_name = _("promise to pay")
        verbose_name_plural = _("promises to pay")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "due_date"], name="promise_status_due")]

    def __str__(self):
        return _("%(amount)s by %(date)s") % {
            "amount": format_money(self.amount, self.currency),
            "date": local_date(self.due_date),
        }


class RepaymentPlan(models.Model):
    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Awaiting supervisor approval")
        ACTIVE = "active", _("Active")
        COMPLETED = "completed", _("Completed")
        BROKEN = "broken", _("Broken")
        CANCELLED = "cancelled", _("Cancelled")
        # A supervisor turned a plan beyond policy down; the case stayed where it was.
        REJECTED = "rejected", _("Rejected")

    case = models.ForeignKey(
        "cases.CollectionCase", on_delete=models.PROTECT, related_name="repayment_plans", verbose_name=_("case")
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PROPOSED, db_index=True, verbose_name=_("status")
    )
    total_amount = models.DecimalField(
        **MONEY, validators=[MinValueValidator(Decimal("0.01"))], verbose_name=_("total amount")
    )
    currency = models.CharField(max_length=3, choices=Currency.choices, verbose_name=_("currency"))
    beyond_policy = models.BooleanField(
        default=False, help_text=_("Needs a supervisor's approval before it runs."), verbose_name=_("beyond policy")
    )
    # Why, as codes and their parameters ({"code", "params"}, cases/plan_text.py): worded
    # when read, in the reader's language.
    beyond_policy_reasons = models.JSONField(default=list, blank=True, verbose_name=_("beyond-policy reasons"))
    note = models.TextField(blank=True, verbose_name=_("note"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(null=True, blank=True, verbose_name=_("approved at"))
    rejected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("rejected by"),
    )
    rejected_at = models.DateTimeField(null=True, blank=True, verbose_name=_("rejected at"))
    rejection_reason = models.TextField(blank=True, verbose_name=_("why it was rejected"))

    history = HistoricalRecords()

    objects = PlanQuerySet.as_manager()

    class Meta:
        verbose_name = _("repayment plan")
        verbose_name_plural = _("repayment plans")
        ordering = ["-created_at"]

    def __str__(self):
        return _("Plan %(pk)s: %(total)s (%(status)s)") % {
            "pk": self.pk,
            "total": format_money(self.total_amount, self.currency),
            "status": self.get_status_display(),
        }

    def beyond_policy_sentences(self) -> list[str]:
        """Why the plan needs a supervisor's approval, one sentence per reason, in the
        reader's language (empty for a plan within policy, or one agreed before the reasons
        were kept)."""
        return reason_sentences(self.beyond_policy_reasons)


class Installment(models.Model):
    class Status(models.TextChoices):
        DUE = "due", _("Due")
        PAID = "paid", _("Paid")
        MISSED = "missed", _("Missed")

    plan = models.ForeignKey(
        RepaymentPlan, on_delete=models.PROTECT, related_name="installments", verbose_name=_("plan")
    )
    sequence = models.PositiveSmallIntegerField(verbose_name=_("sequence"))
    due_date = models.DateField(verbose_name=_("due date"))
    amount = models.DecimalField(**MONEY, validators=[MinValueValidator(Decimal("0.01"))], verbose_name=_("amount"))
    paid_amount = models.DecimalField(**MONEY, default=Decimal("0"), verbose_name=_("paid amount"))
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.DUE, verbose_name=_("status"))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("installment")
        verbose_name_plural = _("installments")
        ordering = ["plan", "sequence"]
        constraints = [models.UniqueConstraint(fields=["plan", "sequence"], name="installment_sequence_unique")]

    def __str__(self):
        return _("#%(sequence)s: %(amount)s due %(date)s") % {
            "sequence": self.sequence,
            "amount": format_money(self.amount, self.plan.currency),
            "date": local_date(self.due_date),
        }
