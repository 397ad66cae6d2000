"""Who must show a TOTP token, and their devices (django-otp's TOTPDevice).

A staff member must verify a second factor when they are a superuser, belong to one of
settings.OTP_REQUIRED_GROUPS, or enrolled a device of their own accord. Everyone else
(collectors and field agents by default) may enrol from the "Two-factor sign-in" page.
"""

from base64 import b32encode

from django.conf import settings
from django_otp.plugins.otp_totp.models import TOTPDevice
import qrcode
import qrcode.image.svg

DEVICE_NAME = "authenticator"


def in_required_role(user) -> bool:
    return user.is_superuser or user.groups.filter(name__in=settings.OTP_REQUIRED_GROUPS).exists()


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def pending_device(user) -> TOTPDevice:
    """The unconfirmed device being enrolled (the same one on every reload of the page,
    so the code scanned a minute ago still matches)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


def confirm(device: TOTPDevice) -> None:
    """Make ``device`` the user's one confirmed device."""
    TOTPDevice.objects.filter(user_id=device.user_id).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])


def secret_for_humans(device: TOTPDevice) -> str:
    """The base32 secret in groups of four, as authenticator apps accept it typed in."""
    secret = b32encode(device.bin_key).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// URI as an inline SVG QR code (no image request, no inline style)."""
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage)
    return image.to_string(encoding="unicode")
