"""What the desk keeps of its own: each person's notifications, and whether they want
them in a daily e-mail."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """News for one person: what happened as a code and its parameters (ids, loan numbers,
    amounts as strings, ISO dates), worded when read in the reader's language and linked
    to where the work is done (desk/notification_text.py), never stored as a sentence."""

    class Kind(models.TextChoices):
        VISIT_REQUESTED = "visit_requested", _("Field visit requested")
        VISIT_APPROVED = "visit_approved", _("Field visit approved")
        VISIT_REJECTED = "visit_rejected", _("Field visit rejected")
        VISIT_CHECKED_IN_FAR = "visit_checked_in_far", _("Field visit checked in far from the address")
        PROMISE_BROKEN = "promise_broken", _("Promise to pay broken")
        PLAN_BROKEN = "plan_broken", _("Repayment plan broken")
        FINDING_OPENED = "finding_opened", _("Compliance finding opened")
        FINDINGS_OPENED = "findings_opened", _("Compliance findings opened by the scan")
        IMPORT_FINISHED = "import_finished", _("Import finished")
        IMPORT_FAILED = "import_failed", _("Import failed")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("recipient")
    )
    kind = models.CharField(max_length=32, choices=Kind.choices, verbose_name=_("kind"))
    params = models.JSONField(default=dict, blank=True, verbose_name=_("parameters"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    read_at = models.DateTimeField(null=True, blank=True, verbose_name=_("read at"))

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["user", "read_at"], name="notification_user_unread"),
            models.Index(fields=["user", "-created_at"], name="notification_user_recent"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} → {self.user}"


class NotificationSettings(models.Model):
    """One person's choice of a daily e-mail of their unread notifications, and the day it
    was last sent (never twice the same day)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_settings",
        verbose_name=_("user"),
    )
    daily_digest = models.BooleanField(
        default=False,
        verbose_name=_("daily e-mail digest"),
        help_text=_("Once a day, an e-mail listing the notifications of the last day that are still unread."),
    )
    digest_sent_on = models.DateField(null=True, blank=True, verbose_name=_("digest last sent on"))

    class Meta:
        verbose_name = _("notification settings")
        verbose_name_plural = _("notification settings")

    def __str__(self):
        return str(self.user)


# The dashboard's nightly snapshots (desk/kpi_models.py).
from .kpi_models import ActivitySnapshot, BookSnapshot, BucketMove, CaseBucket, SnapshotDay  # noqa: E402, F401
