"""Signed-in test clients, as the site itself signs people in."""

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import twofactor


def sign_in(client, user):
    """Sign ``user`` in on a test client as the site itself would: the password step
    (force_login), then, for roles that must use two-factor sign-in (or anyone with an
    authenticator), a verified TOTP device recorded in the session exactly as
    django_otp.login records it. Returns the client."""
    client.force_login(user)
    device = twofactor.confirmed_device(user)
    if device is None and twofactor.in_required_role(user):
        device = TOTPDevice.objects.create(user=user, name="test authenticator", confirmed=True)
    if device is not None:
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


def client_for(user) -> Client:
    return sign_in(Client(), user)
