"""Adding an authenticator, and the enrolment codes administrators issue for it.

Besides the password again (the enrolment page asks; django-axes counts wrong ones),
adding an authenticator takes:

- a code from the new authenticator, whose secret only the enrolling session holds
  (twofactor.pending_key);
- if the person already has one: a code from it (a new phone replaces the old one only
  with the old one's consent);
- else, if their role must use two-factor sign-in (OTP_REQUIRED_GROUPS, superusers): an
  unused, unexpired enrolment code an administrator issued for them and gave them out of
  band. Knowing the password is then not enough to enrol first.

Collectors and field agents without a device need the password and the new code only.
Whoever enrols, the person is told in their other sessions and by e-mail (notices.py).
"""

from datetime import timedelta
import hashlib
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.ledger import audited_atomic
from core.exceptions import NotPermitted, ServiceError

from . import notices, staff_events, twofactor
from .models import EnrolmentCode, StaffEvent

# Crockford's base32 (no I, L, O or U to misread), 16 characters: 80 random bits.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 16


class EnrolmentRefused(ServiceError):
    """The authenticator was not added (or the enrolment code not issued); nothing changed."""


# --- enrolment codes ----------------------------------------------------------------------------


def normalised_code(text: str) -> str:
    """As typed: any case, with or without the dashes and spaces, O for 0, I or L for 1."""
    text = "".join(text.split()).replace("-", "").upper()
    return text.translate(str.maketrans({"O": "0", "I": "1", "L": "1"}))


def code_hash(text: str) -> str:
    return hashlib.sha256(normalised_code(text).encode()).hexdigest()


@audited_atomic
def issue_enrolment_code(user, *, by) -> tuple[EnrolmentCode, str]:
    """A new enrolment code for ``user``: the row (its hash) and the code itself, to be
    shown once to the issuer. Earlier unused codes of the person stop working. ``by`` is
    None only for the operator at the server (``manage.py issue_enrolment_code``)."""
    if by is not None:
        if not by.has_perm("accounts.add_enrolmentcode"):
            raise NotPermitted(_("You may not issue enrolment codes."))
        if by.pk == user.pk:
            raise NotPermitted(_("Nobody issues an enrolment code for themselves: ask another administrator."))
    if not user.is_active:
        raise EnrolmentRefused(_("%(person)s cannot sign in (inactive).") % {"person": user.get_username()})
    if twofactor.confirmed_device(user) is not None:
        raise EnrolmentRefused(
            _(
                "%(person)s has an authenticator. Ask for its removal first (another administrator approves), "
                "then issue the code."
            )
            % {"person": user.get_username()}
        )
    now = timezone.now()
    for earlier in EnrolmentCode.objects.select_for_update().filter(user=user, used_at=None, expires_at__gt=now):
        earlier.expires_at = now
        earlier._history_user = by
        earlier._change_reason = "superseded by a new code"
        earlier.save(update_fields=["expires_at"])
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    row = EnrolmentCode(
        user=user,
        code_hash=code_hash(code),
        issued_by=by,
        issued_at=now,
        expires_at=now + timedelta(hours=settings.OTP_ENROLMENT_CODE_HOURS),
    )
    row._history_user = by
    row.save()
    until = row.expires_at.isoformat()
    staff_events.record(user, StaffEvent.Kind.ENROLMENT_CODE_ISSUED, by=by, until=until)
    notices.notify(user, StaffEvent.Kind.ENROLMENT_CODE_ISSUED, by=by, until=until)
    return row, "-".join(code[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def _use_code(user, text: str) -> None:
    if not text.strip():
        raise EnrolmentRefused(_("Your role needs an enrolment code from an administrator to set up an authenticator."))
    now = timezone.now()
    row = EnrolmentCode.objects.select_for_update().filter(user=user, code_hash=code_hash(text)).first()
    if row is None or row.used_at is not None or row.expires_at <= now:
        raise EnrolmentRefused(
            _("That enrolment code does not work: it is wrong, used or expired. Ask an administrator for a new one.")
        )
    row.used_at = now
    row._history_user = user
    row._change_reason = "used to set up an authenticator"
    row.save(update_fields=["used_at"])


# --- adding an authenticator --------------------------------------------------------------------


def add_authenticator(
    user, *, key: str, token: str, by, current_token: str = "", enrolment_code: str = "", origin_session: str = ""
) -> TOTPDevice:
    """Store the secret ``key`` as ``user``'s one confirmed authenticator, replacing any
    other (see the module's docstring for what it takes). ``origin_session`` is the
    enrolling session's mark: the person is told everywhere else."""
    if by is None or by.pk != user.pk:
        raise NotPermitted(_("People set up their own authenticator."))
    new = twofactor.unsaved_device(user, key)
    step = twofactor.matching_step(new, token)
    if step is None:
        raise EnrolmentRefused(
            _("That code is not right. Check the time on your phone and enter the code the new authenticator shows.")
        )
    current = twofactor.confirmed_device(user)
    if current is not None:
        # In its own transaction: a wrong code counts even though nothing is added.
        outcome = twofactor.check_token(current, current_token)
        if outcome == twofactor.THROTTLED:
            raise EnrolmentRefused(_("Too many wrong codes. Wait a moment, then try again."))
        if outcome != twofactor.ACCEPTED:
            raise EnrolmentRefused(_("The code from your current authenticator is not right."))
    return _store(user, new, step, replacing=current, enrolment_code=enrolment_code, origin_session=origin_session)


@audited_atomic
def _store(user, device, step, *, replacing, enrolment_code, origin_session) -> TOTPDevice:
    # One enrolment at a time per person: the second of two at once sees the first's device.
    get_user_model().objects.select_for_update().get(pk=user.pk)
    now_current = twofactor.confirmed_device(user)
    if getattr(now_current, "pk", None) != getattr(replacing, "pk", None):
        raise EnrolmentRefused(_("Your authenticator changed in the meantime. Sign in again and start over."))
    if replacing is None and twofactor.in_required_role(user):
        _use_code(user, enrolment_code)
    for earlier in TOTPDevice.objects.filter(user=user):
        earlier._staff_actor = user
        earlier.delete()
    device.last_t, device.drift = step  # the code just shown is used up
    device.confirmed = True
    device._staff_actor = user
    device.save()
    notices.notify(user, StaffEvent.Kind.DEVICE_CONFIRMED, by=user, origin_session=origin_session)
    return device
