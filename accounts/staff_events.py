"""Receivers that record StaffEvents as the facts happen, whoever causes them: the admin,
the enrolment page, a management command. The actor is the one a service named on the
instance (``_staff_actor``: the administrator who approved a device's removal), else the
signed-in person of the request in progress (simple-history's request middleware keeps
it), else nobody. Services record the facts that are not row changes with ``record``."""

from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.db.models.signals import post_delete, post_save, pre_save
from django_otp.plugins.otp_totp.models import TOTPDevice
from simple_history.models import HistoricalRecords

from .models import StaffEvent


def _actor():
    request = getattr(HistoricalRecords.context, "request", None)
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def record(user, kind, *, by, **details) -> StaffEvent:
    return StaffEvent.objects.create(user=user, kind=kind, by=by, details=details)


def _record(user, kind, instance=None, **details):
    actor = getattr(instance, "_staff_actor", None) or _actor()
    StaffEvent.objects.create(user=user, kind=kind, by=actor, details=details)


def password_changed(sender, instance, raw=False, **kwargs):
    # Compared with the stored hash before the save: the fact is recorded, never the hash.
    if raw or instance.pk is None:
        return
    stored = User.objects.filter(pk=instance.pk).values_list("password", flat=True).first()
    if stored is not None and stored != instance.password:
        instance._password_changed = True


def after_user_saved(sender, instance, created, raw=False, **kwargs):
    if getattr(instance, "_password_changed", False):
        instance._password_changed = False
        _record(instance, StaffEvent.Kind.PASSWORD_CHANGED)


def device_saved(sender, instance, created, raw=False, **kwargs):
    if raw:
        return
    if created:
        _record(instance.user, StaffEvent.Kind.DEVICE_ADDED, instance, device=instance.name)
    if instance.confirmed and not getattr(instance, "_was_confirmed", False):
        _record(instance.user, StaffEvent.Kind.DEVICE_CONFIRMED, instance, device=instance.name)


def device_about_to_save(sender, instance, raw=False, **kwargs):
    if raw or instance.pk is None:
        instance._was_confirmed = False
        return
    instance._was_confirmed = TOTPDevice.objects.filter(pk=instance.pk, confirmed=True).exists()


def device_removed(sender, instance, **kwargs):
    _record(instance.user, StaffEvent.Kind.DEVICE_REMOVED, instance, device=instance.name, confirmed=instance.confirmed)


def lockout_cleared(sender, instance, **kwargs):
    user = User.objects.filter(username=instance.username).first()
    _record(user, StaffEvent.Kind.LOCKOUT_CLEARED, username=instance.username or "", ip=instance.ip_address or "")


def connect() -> None:
    pre_save.connect(password_changed, sender=User, dispatch_uid="accounts.password_changed")
    post_save.connect(after_user_saved, sender=User, dispatch_uid="accounts.after_user_saved")
    pre_save.connect(device_about_to_save, sender=TOTPDevice, dispatch_uid="accounts.device_about_to_save")
    post_save.connect(device_saved, sender=TOTPDevice, dispatch_uid="accounts.device_saved")
    post_delete.connect(device_removed, sender=TOTPDevice, dispatch_uid="accounts.device_removed")
    post_delete.connect(lockout_cleared, sender=AccessAttempt, dispatch_uid="accounts.lockout_cleared")
