"""Real-browser tests: Playwright driving Debian's chromium against a live server.

They skip when no chromium is installed, and fail instead when REQUIRE_SERVICES=1 (CI,
whose .ci/run installs it). Screenshots of every page land in test-artifacts/browser/.
"""

import os
from pathlib import Path
import shutil
import time

from django.conf import settings
from django.db import connections
from django_otp.plugins.otp_totp.models import TOTPDevice
import pytest

from accounts import twofactor
from accounts.demo import current_code

CHROMIUM = "/usr/bin/chromium"
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts" / "browser"
# Django's live server runs in a thread; Playwright's sync API runs its own event loop.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def browser():
    """One Playwright per test: its event loop must not outlive the test, or Django's
    context-local database connection changes under the following tests."""
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        if settings.REQUIRE_SERVICES:
            pytest.fail("REQUIRE_SERVICES=1 but /usr/bin/chromium is missing (apt-get install chromium)")
        pytest.skip("no chromium installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            # The machine has no network beyond localhost: keep chromium from trying.
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()
        # Database calls made while Playwright runs get a connection of their own (Django's
        # connections are context-local); close it here, or it outlives the test run and
        # PostgreSQL waits for it before it drops the test database.
        connections.close_all()


@pytest.fixture
def page_for(browser, live_server):
    """A logged-in page for a user: pages_for(user) → Playwright page, via the real login form."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    contexts = []

    def open_page(user=None, password="pw-for-tests-1", *, phone=False, **context_options):
        """``phone``: a 390 × 844 touch screen, as a field agent holds it."""
        size = PHONE if phone else {"viewport": {"width": 1280, "height": 900}}
        context = browser.new_context(locale="en-US", **size, **context_options)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        if user is not None:
            # Roles that must use two-factor sign-in carry a real authenticator, whose
            # current code the "person" types after the password.
            device = twofactor.confirmed_device(user)
            if device is None and twofactor.in_required_role(user):
                device = TOTPDevice.objects.create(user=user, name="browser test authenticator", confirmed=True)
            page.goto(f"{live_server.url}/admin/login/")
            page.fill("#id_username", user.get_username())
            page.fill("#id_password", password)
            page.click("input[type=submit]")
            if device is not None:
                page.wait_for_url(f"{live_server.url}/account/two-factor/?next=*")
                page.fill("#id_token", unused_code(device))
                page.click(".two-factor input[type=submit]")
            page.wait_for_url(f"{live_server.url}/admin/")
        return page

    yield open_page
    for context in contexts:
        context.close()


def unused_code(device) -> str:
    """The authenticator's code now, or, if that one was already used (a second sign-in
    within the same 30 seconds), the next one, which the server's tolerance accepts."""
    device.refresh_from_db()
    now = time.time()
    if (int(now) - device.t0) // device.step <= device.last_t:
        now = (device.last_t + 1) * device.step + device.t0
    return current_code(device, at=now)


def shot(page, name):
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
