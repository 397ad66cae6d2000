"""
People and powers, audited: every staff user's account and role changes have history
(simple-history on auth's User, roles included), and the security facts that are not
field changes — a password changed, an authenticator added, confirmed or removed, a
locked-out sign-in cleared — are StaffEvents. Both are chained in the audit ledger, so a
reviewer can tell who held which powers when, and nobody can quietly give them back.
"""

from django.conf import settings
from django.contrib.auth.models import User
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history import register

# The password hash and the last sign-in time stay out of the history: the fact of a
# password change is a StaffEvent, and sign-ins are in the lockout app's access log.
register(User, app=__package__, excluded_fields=["password", "last_login"], m2m_fields=["groups"])


class StaffEvent(models.Model):
    """A security fact about a staff user, stored as a code and its parameters."""

    ledger_sealed = True  # append-only: chained in the audit ledger as it is written

    class Kind(models.TextChoices):
        PASSWORD_CHANGED = "password_changed", _("Password changed")
        DEVICE_ADDED = "device_added", _("Authenticator added (not yet confirmed)")
        DEVICE_CONFIRMED = "device_confirmed", _("Authenticator confirmed")
        DEVICE_REMOVED = "device_removed", _("Authenticator removed")
        LOCKOUT_CLEARED = "lockout_cleared", _("Locked-out sign-in cleared")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.PROTECT,
        related_name="staff_events",
        verbose_name=_("user"),
    )
    kind = models.CharField(max_length=20, choices=Kind.choices, verbose_name=_("what happened"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("by"),
    )
    at = models.DateTimeField(default=timezone.now, db_index=True, verbose_name=_("at"))
    details = models.JSONField(default=dict, blank=True, verbose_name=_("details"))

    class Meta:
        ordering = ["-at"]
        verbose_name = _("staff security event")
        verbose_name_plural = _("staff security events")

    def __str__(self):
        return f"{self.get_kind_display()} · {self.user_id}"
