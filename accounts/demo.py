"""Authenticators for the demo users whose roles must use two-factor sign-in.

They all share one published secret, so a person trying the demo adds it once to any
authenticator app, or asks ``manage.py demo_totp`` for the current code. Only demo
users (seed_demo) get it; a real user's secret never leaves the enrolment page.
"""

from base64 import b32decode
import time

from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
DEMO_DEVICE_NAME = "demo authenticator"
DEMO_KEY_HEX = b32decode(DEMO_TOTP_SECRET).hex()


def give_demo_device(user) -> TOTPDevice:
    TOTPDevice.objects.filter(user=user).exclude(name=DEMO_DEVICE_NAME).delete()
    device, _ = TOTPDevice.objects.update_or_create(
        user=user, name=DEMO_DEVICE_NAME, defaults={"key": DEMO_KEY_HEX, "confirmed": True}
    )
    return device


def current_code(device: TOTPDevice, at: float | None = None) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() if at is None else at
    return f"{totp.token():0{device.digits}d}"
