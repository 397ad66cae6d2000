"""
Callbacks: a time a collector agreed to call the borrower back, judged by the contact
rules when it was agreed (contacts/callbacks.py schedules, closes and cancels them).

A case has at most one pending callback: agreeing a new time replaces the old one, the
next call made on the case closes it, and closing the case cancels it.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.when import local_datetime


class CallbackQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(status=Callback.Status.PENDING)

    def due(self, at):
        """Pending callbacks whose time has come by ``at``: the collectors' "callbacks due"."""
        return self.pending().filter(due_at__lte=at)


class Callback(models.Model):
    """A call the borrower asked for, at ``due_at``, to ``contact_point``."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    case = models.ForeignKey(
        "cases.CollectionCase", on_delete=models.PROTECT, related_name="callbacks", verbose_name=_("case")
    )
    contact_point = models.ForeignKey(
        "cases.ContactPoint",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("contact point"),
    )
    due_at = models.DateTimeField(verbose_name=_("due at"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING, verbose_name=_("status"))
    note = models.TextField(blank=True, verbose_name=_("note"))
    requested_in = models.ForeignKey(
        "contacts.ContactAttempt",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The call on which the borrower asked to be called back."),
        verbose_name=_("requested in"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty: the system (an automated call)."),
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    closed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("closed at"))
    closed_in = models.ForeignKey(
        "contacts.ContactAttempt",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The later call that closed this callback."),
        verbose_name=_("closed in"),
    )

    history = HistoricalRecords()

    objects = CallbackQuerySet.as_manager()

    class Meta:
        verbose_name = _("callback")
        verbose_name_plural = _("callbacks")
        ordering = ["due_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=Q(status="pending"), name="callback_one_pending_per_case"
            ),
        ]
        indexes = [models.Index(fields=["status", "due_at"], name="callback_queue")]

    def __str__(self):
        return gettext("Callback %(when)s (%(status)s)") % {
            "when": local_datetime(self.due_at),
            "status": self.get_status_display(),
        }
