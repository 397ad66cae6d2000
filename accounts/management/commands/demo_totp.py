"""Print the current two-factor code of the demo users (those seed_demo gave the
published demo secret); real users' codes are never printed."""

from django.core.management.base import BaseCommand
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.demo import DEMO_KEY_HEX, current_code


class Command(BaseCommand):
    help = "Current TOTP code for the demo users that must use two-factor sign-in."

    def handle(self, *args, **options):
        devices = TOTPDevice.objects.filter(key=DEMO_KEY_HEX, confirmed=True).select_related("user")
        if not devices:
            self.stdout.write("No demo authenticators; run `manage.py seed_demo` first.")
        for device in devices.order_by("user__username"):
            self.stdout.write(f"{device.user.get_username():<12} {current_code(device)}")
