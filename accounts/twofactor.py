"""Who must show a TOTP token, their device (django-otp's TOTPDevice), and checking a token.

A staff member must verify a second factor when they are a superuser, belong to one of
settings.OTP_REQUIRED_GROUPS, or enrolled a device of their own accord. Everyone else
(collectors and field agents by default) may enrol from the "Two-factor sign-in" page.

A secret being enrolled lives in the enrolling session only (``pending_key``), never in a
shared database row: two sessions that reach the enrolment page get two secrets, and the
device is stored, confirmed, only when a code from its secret is shown
(accounts/enrolment.py). A confirmed device's secret is never shown again.
"""

from base64 import b32encode
import time

from django.conf import settings
from django.db import transaction
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex
import qrcode
import qrcode.image.svg

from .access import group_names

DEVICE_NAME = "authenticator"
PENDING_KEY = "accounts.enrolment_key"

# What checking a token against a device gave.
ACCEPTED, WRONG, THROTTLED = "accepted", "wrong", "throttled"


def in_required_role(user) -> bool:
    # The roles come with the permissions (accounts/access.py): one query for both a request.
    return user.is_superuser or not group_names(user).isdisjoint(settings.OTP_REQUIRED_GROUPS)


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


# --- checking a token ---------------------------------------------------------------------------


def check_token(device: TOTPDevice, token: str) -> str:
    """ACCEPTED, WRONG or THROTTLED. Tries on one device are serialised on its row, so a
    burst of guesses cannot lose failures (each read the count before the others wrote
    it) and one code cannot be accepted twice at once. Every wrong code counts, also one
    sent while the device is throttled (refused unchecked for the person, but counted,
    so a burst lengthens the wait); a right code sent then is refused and not used up."""
    with transaction.atomic():
        locked = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        allowed, _details = locked.verify_is_allowed()
        if allowed:
            return ACCEPTED if locked.verify_token(token) else WRONG
        if not _matches(locked, token):
            locked.throttle_increment(commit=True)
        return THROTTLED


def _matches(device: TOTPDevice, token: str) -> bool:
    """Whether ``token`` is a current, unused code of ``device``; changes nothing."""
    return matching_step(device, token) is not None


def matching_step(device: TOTPDevice, token: str) -> tuple[int, int] | None:
    """(time step, drift) of ``token`` as a current code of ``device``, never one at or
    before the device's last accepted step; None if it is not one."""
    try:
        number = int(token)
    except (TypeError, ValueError):
        return None
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    if not totp.verify(number, device.tolerance, device.last_t + 1):
        return None
    return totp.t(), totp.drift


# --- the secret being enrolled ------------------------------------------------------------------


def pending_key(session) -> str:
    """This session's secret for the device being enrolled, made on first use: the same on
    every reload of the page (the code scanned a minute ago still matches), another in
    every other session."""
    key = session.get(PENDING_KEY)
    if not key:
        key = session[PENDING_KEY] = random_hex(20)
    return key


def forget_pending_key(session) -> None:
    session.pop(PENDING_KEY, None)


def unsaved_device(user, key: str) -> TOTPDevice:
    """The device ``key`` would become: for its otpauth:// URI and for checking codes."""
    return TOTPDevice(user=user, name=DEVICE_NAME, key=key, confirmed=False)


def secret_for_humans(device: TOTPDevice) -> str:
    """The base32 secret in groups of four, as authenticator apps accept it typed in."""
    secret = b32encode(device.bin_key).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// URI as an inline SVG QR code (no image request, no inline style)."""
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage)
    return image.to_string(encoding="unicode")
