"""Login lockout (django-axes): repeated wrong passwords for one username from one address."""

from datetime import timedelta

from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import make_user


def attempt(client, username, password, address="10.1.1.1"):
    return client.post(
        reverse("admin:login"), {"username": username, "password": password, "next": "/admin/"}, REMOTE_ADDR=address
    )


def test_settings(settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_COOLOFF_TIME == timedelta(minutes=30)
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]


def test_lockout_after_five_failures_refuses_even_the_right_password(db):
    user = make_user("Collector")
    client = Client()
    for _ in range(4):
        response = attempt(client, user.username, "wrong-password")
        assert response.status_code == 200  # the login form again, with its error
    locked = attempt(client, user.username, "wrong-password")
    assert locked.status_code == 429
    assert b"Too many failed sign-in attempts" in locked.content and b"30 minutes" in locked.content
    right = attempt(client, user.username, "pw-for-tests-1")
    assert right.status_code == 429
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("admin:index")).status_code == 302  # not signed in


def test_lock_is_per_username_and_address(db):
    user, other = make_user("Collector"), make_user("Collector")
    client = Client()
    for _ in range(5):
        attempt(client, user.username, "wrong-password")
    assert attempt(client, user.username, "pw-for-tests-1").status_code == 429
    # The same person from another address, and another person from this one, still sign in.
    assert attempt(Client(), user.username, "pw-for-tests-1", address="10.2.2.2").status_code == 302
    assert attempt(Client(), other.username, "pw-for-tests-1").status_code == 302


def test_lock_lifts_after_the_cool_off(db):
    user = make_user("Collector")
    client = Client()
    for _ in range(5):
        attempt(client, user.username, "wrong-password")
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=31))
    assert attempt(client, user.username, "pw-for-tests-1").status_code == 302


def test_success_resets_the_count(db):
    user = make_user("Collector")
    for _ in range(4):
        attempt(Client(), user.username, "wrong-password")
    assert attempt(Client(), user.username, "pw-for-tests-1").status_code == 302
    for _ in range(4):
        assert attempt(Client(), user.username, "wrong-password").status_code == 200


def test_forwarded_for_counts_only_behind_trusted_proxies(db, settings):
    from django.test import RequestFactory

    from accounts.network import client_ip

    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7")
    assert client_ip(request) == "10.0.0.9"
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request) == "203.0.113.7"
