"""Signed-in sessions end after 30 minutes without a request, and with the browser."""

from datetime import timedelta
from unittest import mock

from django.test import Client
from django.urls import reverse
from django.utils import timezone
import pytest

from tests.clients import sign_in
from tests.factories import make_user


def at(moment):
    return mock.patch("django.utils.timezone.now", return_value=moment)


@pytest.fixture(autouse=True)
def production_idle_timeout(settings):
    """The suite lengthens sessions for tests that freeze the clock days ahead
    (tests/conftest.py); here the production value applies (tests/test_settings.py
    checks that it is the default)."""
    settings.SESSION_COOKIE_AGE = 30 * 60


def test_settings(settings):
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE and settings.SESSION_TOUCH_SECONDS == 60


def test_a_session_is_written_at_most_once_a_minute(db):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = sign_in(Client(), make_user("Collector"))
    start = timezone.now()
    with at(start):
        client.get(reverse("admin:index"))
    with at(start + timedelta(seconds=30)), CaptureQueriesContext(connection) as quiet:
        assert client.get(reverse("admin:index")).status_code == 200
    assert not [q for q in quiet.captured_queries if q["sql"].startswith("UPDATE") and "django_session" in q["sql"]]
    with at(start + timedelta(seconds=61)), CaptureQueriesContext(connection) as touched:
        assert client.get(reverse("admin:index")).status_code == 200
    assert [q for q in touched.captured_queries if q["sql"].startswith("UPDATE") and "django_session" in q["sql"]]


def test_session_ends_after_thirty_idle_minutes(db):
    client = sign_in(Client(), make_user("Collector"))
    start = timezone.now()
    with at(start):
        assert client.get(reverse("admin:index")).status_code == 200
    with at(start + timedelta(minutes=31)):
        response = client.get(reverse("admin:index"))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_each_request_extends_the_session(db):
    client = sign_in(Client(), make_user("Supervisor"))
    start = timezone.now()
    for minutes in (0, 20, 40, 60):
        with at(start + timedelta(minutes=minutes)):
            assert client.get(reverse("admin:index")).status_code == 200, minutes
    with at(start + timedelta(minutes=91)):
        assert client.get(reverse("admin:index")).status_code == 302


def test_cookie_lasts_only_as_long_as_the_browser(db):
    client = Client()
    client.post(reverse("admin:login"), {"username": make_user("Collector").username, "password": "pw-for-tests-1"})
    cookie = client.cookies["sessionid"]
    assert cookie["max-age"] == "" and cookie["expires"] == ""
    assert cookie["httponly"]
