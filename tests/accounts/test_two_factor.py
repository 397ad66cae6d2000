"""Two-factor sign-in: roles in OTP_REQUIRED_GROUPS see no staff page before a TOTP token."""

import time

from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice
import pytest

from accounts import twofactor
from accounts.demo import current_code
from accounts.enrolment import issue_enrolment_code
from tests.clients import sign_in
from tests.factories import ROLES, make_user

ENFORCED = ["Supervisor", "Compliance reviewer", "Administrator"]
OPTIONAL = ["Collector", "Field agent"]
# Every staff area: the admin, the work pages, visits, compliance, imports.
STAFF_PAGES = [
    "admin:index",
    "admin:cases_collectioncase_changelist",
    "admin:auth_user_changelist",
    "admin:password_change",
    "desk:queue",
    "visits:inbox",
    "visits:mine",
    "compliance:workspace",
    "cases:import_feed",
]


def password_only(user) -> Client:
    """Signed in with the password and nothing else."""
    client = Client()
    client.force_login(user)
    return client


def device_for(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


def test_settings_name_the_enforced_roles(settings):
    assert set(settings.OTP_REQUIRED_GROUPS) == set(ENFORCED)
    assert set(ROLES) - set(settings.OTP_REQUIRED_GROUPS) == set(OPTIONAL)


@pytest.mark.parametrize("role", ENFORCED)
def test_password_alone_reaches_no_staff_page_for_enforced_roles(db, role):
    user = make_user(role)
    client = password_only(user)
    for name in STAFF_PAGES:
        url = reverse(name)
        response = client.get(url)
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("accounts:enrol") + "?next="), name
    device_for(user)
    for name in STAFF_PAGES:
        response = client.get(reverse(name))
        assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:verify")), name


def test_the_real_login_form_leads_to_the_token_page(db):
    user = make_user("Supervisor")
    device_for(user)
    client = Client()
    response = client.post(
        reverse("admin:login"),
        {"username": user.username, "password": "pw-for-tests-1", "next": "/admin/"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == f"{reverse('accounts:verify')}?next=%2Fadmin%2F"
    assert b'name="token"' in response.content and response.status_code == 200


def test_wrong_token_is_refused_right_token_lets_in(db):
    user = make_user("Compliance reviewer")
    device = device_for(user)
    client = password_only(user)
    verify_url = f"{reverse('accounts:verify')}?next=/compliance/"
    right = current_code(device)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    refused = client.post(verify_url, {"token": wrong})
    assert refused.status_code == 200 and b"not right" in refused.content
    assert client.get(reverse("compliance:workspace")).status_code == 302
    # Right after a wrong code the device is throttled: even the right code waits.
    throttled = client.post(verify_url, {"token": right})
    assert throttled.status_code == 200 and b"Too many wrong codes" in throttled.content
    time.sleep(1.1)  # django-otp's delay after one failure is one second
    accepted = client.post(verify_url, {"token": current_code(device)})
    assert accepted.status_code == 302 and accepted["Location"] == "/compliance/"
    for name in STAFF_PAGES:
        response = client.get(reverse(name))
        assert response.status_code in (200, 403, 404), name  # past the token; the role decides the rest
    assert client.get(reverse("compliance:workspace")).status_code == 200


def test_a_token_is_good_once(db):
    user = make_user("Supervisor")
    device = device_for(user)
    token = current_code(device)
    first = password_only(user)
    assert first.post(reverse("accounts:verify"), {"token": token}).status_code == 302
    replay = password_only(user).post(reverse("accounts:verify"), {"token": token})
    assert replay.status_code == 200


def test_next_never_leaves_the_site(db):
    user = make_user("Supervisor")
    device = device_for(user)
    response = password_only(user).post(
        f"{reverse('accounts:verify')}?next=https://evil.example/", {"token": current_code(device)}
    )
    assert response.status_code == 302 and response["Location"] == reverse("admin:index")


@pytest.mark.parametrize("role", OPTIONAL)
def test_optional_roles_get_in_without_a_device(db, role):
    client = password_only(make_user(role))
    assert client.get(reverse("admin:index")).status_code == 200
    page = {"Collector": "desk:queue", "Field agent": "visits:mine"}[role]
    assert client.get(reverse(page)).status_code == 200


def pending_code(client, user) -> str:
    """The current code of the secret this client's session is enrolling."""
    return current_code(TOTPDevice(user=user, key=client.session[twofactor.PENDING_KEY]))


def test_enforced_user_enrols_with_an_enrolment_code_and_a_token_from_the_new_device(db):
    user = make_user("Administrator")
    _row, code = issue_enrolment_code(user, by=make_user("Administrator"))
    client = password_only(user)
    page = client.get(f"{reverse('accounts:enrol')}?next=/imports/feed/")
    assert page.status_code == 200 and not TOTPDevice.objects.filter(user=user).exists()  # only in the session
    assert page.context["otpauth_uri"].startswith("otpauth://totp/") and b"<svg" in page.content
    assert page.context["secret"].replace(" ", "") in page.context["otpauth_uri"]
    assert client.get(reverse("accounts:enrol")).context["secret"] == page.context["secret"]  # same on reload
    right = pending_code(client, user)
    wrong = "000000" if right != "000000" else "111111"
    refused = client.post(
        reverse("accounts:enrol"), {"password": "pw-for-tests-1", "enrolment_code": code, "token": wrong}
    )
    assert refused.status_code == 200 and b"not right" in refused.content
    response = client.post(
        f"{reverse('accounts:enrol')}?next=/imports/feed/",
        {"password": "pw-for-tests-1", "enrolment_code": code, "token": right},
    )
    assert response.status_code == 302 and response["Location"] == "/imports/feed/"
    device = TOTPDevice.objects.get(user=user)
    assert device.confirmed and twofactor.secret_for_humans(device) == page.context["secret"]
    assert client.get(reverse("cases:import_feed")).status_code == 200
    # The next sign-in asks for a code from this device.
    again = password_only(user)
    assert again.get(reverse("admin:index"))["Location"].startswith(reverse("accounts:verify"))


def test_optional_user_who_enrolled_must_then_use_it(db):
    user = make_user("Collector")
    client = password_only(user)
    assert b"Two-factor sign-in" in client.get(reverse("admin:index")).content  # the link in the admin
    client.get(reverse("accounts:enrol"))
    token = pending_code(client, user)
    response = client.post(reverse("accounts:enrol"), {"password": "pw-for-tests-1", "token": token})
    assert response.status_code == 302
    assert TOTPDevice.objects.get(user=user).confirmed
    assert client.get(reverse("desk:queue")).status_code == 200
    later = password_only(user)
    assert later.get(reverse("desk:queue"))["Location"].startswith(reverse("accounts:verify"))


def test_replacing_a_device_needs_the_current_one_first(db):
    user = make_user("Supervisor")
    device_for(user)
    client = password_only(user)
    response = client.get(f"{reverse('accounts:enrol')}?new=1")
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:verify"))


def test_public_pages_stay_public_for_a_half_signed_in_user(db):
    client = password_only(make_user("Supervisor"))
    assert client.get(reverse("verify")).status_code == 200
    assert client.get(reverse("admin:login")).status_code in (200, 302)
    assert client.post(reverse("admin:logout")).status_code in (200, 302)


def test_anonymous_visitors_still_go_to_the_login(db):
    for name in STAFF_PAGES:
        response = Client().get(reverse(name))
        assert response.status_code == 302 and "/login/" in response["Location"], name
    response = Client().get(reverse("accounts:verify"))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_sign_in_helper_records_a_real_verified_device(db):
    user = make_user("Supervisor")
    client = sign_in(Client(), user)
    assert client.get(reverse("admin:index")).status_code == 200
    assert TOTPDevice.objects.filter(user=user, confirmed=True).count() == 1
