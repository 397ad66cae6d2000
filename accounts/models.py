"""
People and powers, audited: every staff user's account and role changes have history
(simple-history on auth's User, roles included), and the security facts that are not
field changes — a password changed, an authenticator added, confirmed or removed, a
locked-out sign-in cleared, a role change asked for, decided and applied, an enrolment
code issued — are StaffEvents. Both are chained in the audit ledger, so a reviewer can
tell who held which powers when, and nobody can quietly give them back.

Powers change with two people (AccessChange: one administrator asks, another approves);
an authenticator is added with an administrator's EnrolmentCode or the current device;
the person is told of each (StaffNotice).
"""

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history import register
from simple_history.models import HistoricalRecords

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
        ENROLMENT_CODE_ISSUED = "enrol_code_issued", _("Enrolment code issued")
        CHANGE_REQUESTED = "change_requested", _("Role or authenticator change requested")
        CHANGE_APPROVED = "change_approved", _("Role or authenticator change approved")
        CHANGE_REJECTED = "change_rejected", _("Role or authenticator change turned down")
        ROLE_GRANTED = "role_granted", _("Role given")
        ROLE_REVOKED = "role_revoked", _("Role taken away")

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


class AccessChange(models.Model):
    """A role given or taken away, or a person's authenticators removed: asked for by one
    administrator, applied only when another approves (accounts/services.py). Nobody asks
    for, or approves, a change to their own account."""

    class Kind(models.TextChoices):
        GRANT_ROLE = "grant_role", _("Give a role")
        REVOKE_ROLE = "revoke_role", _("Take a role away")
        REMOVE_DEVICE = "remove_device", _("Remove the authenticator")

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting for a second administrator")
        APPLIED = "applied", _("Approved and applied")
        REJECTED = "rejected", _("Turned down")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="access_changes", verbose_name=_("person")
    )
    kind = models.CharField(max_length=20, choices=Kind.choices, verbose_name=_("change"))
    role = models.ForeignKey(
        Group,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("role"),
        help_text=_("For giving or taking away a role."),
    )
    reason = models.TextField(verbose_name=_("why"))
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING, verbose_name=_("state"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("asked by")
    )
    requested_at = models.DateTimeField(default=timezone.now, verbose_name=_("asked at"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(null=True, blank=True, verbose_name=_("decided at"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = _("role or authenticator change")
        verbose_name_plural = _("role and authenticator changes")
        permissions = [("approve_accesschange", _("Can approve a role or authenticator change"))]

    def __str__(self):
        if self.role_id:
            return f"{self.get_kind_display()}: {self.role} · {self.user}"
        return f"{self.get_kind_display()} · {self.user}"


class EnrolmentCode(models.Model):
    """A single-use, expiring code an administrator gives a person out of band, so that
    someone whose role must use two-factor sign-in and who has no authenticator (new staff,
    lost phone) can set one up. Only its hash is stored; the issuer sees the code once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="enrolment_codes", verbose_name=_("person")
    )
    code_hash = models.CharField(max_length=64, unique=True, editable=False)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("issued by"),
    )
    issued_at = models.DateTimeField(default=timezone.now, verbose_name=_("issued at"))
    expires_at = models.DateTimeField(verbose_name=_("good until"))
    used_at = models.DateTimeField(null=True, blank=True, verbose_name=_("used at"))
    history = HistoricalRecords(excluded_fields=["code_hash"])

    class Meta:
        ordering = ["-issued_at"]
        verbose_name = _("enrolment code")
        verbose_name_plural = _("enrolment codes")

    def __str__(self):
        return f"{self._meta.verbose_name} · {self.user}"


class StaffNotice(models.Model):
    """A security fact told to the person it is about, on the next page they open in
    another session than the one that caused it (accounts/notices.py), and by e-mail.
    Stored as a code and parameters; the sentence is written in the reader's language."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_notices")
    kind = models.CharField(max_length=20, choices=StaffEvent.Kind.choices)
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # The session that caused it (its mark, never its key): it was told already.
    origin_session = models.CharField(max_length=32, blank=True)
    shown_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        indexes = [models.Index(fields=["user", "shown_at"], name="staffnotice_unshown")]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.user_id}"
