"""Enrolment cannot be hijacked: each session enrols its own secret, kept in the session
until confirmed; enforced roles need an administrator's enrolment code (or their current
device); adding a device takes the password again, and the person is told."""

from datetime import timedelta

from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
import pytest

from accounts import twofactor
from accounts.demo import current_code
from accounts.enrolment import issue_enrolment_code
from accounts.models import EnrolmentCode
from tests.clients import sign_in
from tests.factories import make_user

PASSWORD = "pw-for-tests-1"
ENROL = "accounts:enrol"


def password_only(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def enrolling(user) -> Client:
    """A session of ``user`` (password only) on the enrolment page."""
    client = password_only(user)
    assert client.get(reverse(ENROL)).status_code == 200
    return client


def secret_of(client) -> str:
    return client.session[twofactor.PENDING_KEY]


def code_for(key: str) -> str:
    return current_code(TOTPDevice(key=key))


def enrol(client, key=None, **fields):
    data = {"password": PASSWORD, "token": code_for(key or secret_of(client)), **fields}
    return client.post(reverse(ENROL), data)


def test_two_sessions_enrol_different_secrets_and_only_the_confirmed_one_ever_works(db):
    """The race: the person and someone who has their password reach the enrolment page
    at once. Each session gets its own secret; the person confirms theirs; the other
    secret is useless, and the other session never saw the confirmed one."""
    user = make_user("Collector")
    person, intruder = enrolling(user), enrolling(user)
    persons_secret, intruders_secret = secret_of(person), secret_of(intruder)
    assert persons_secret != intruders_secret
    assert not TOTPDevice.objects.filter(user=user).exists()  # nothing shared in the database

    assert enrol(person).status_code == 302
    device = TOTPDevice.objects.get(user=user)
    assert device.confirmed and device.key == persons_secret

    # The other session cannot confirm its secret now (it would need the person's device)...
    late = enrol(intruder, key=intruders_secret)
    assert late.status_code == 302 and late["Location"].startswith(reverse("accounts:verify"))
    assert list(TOTPDevice.objects.filter(user=user)) == [device]
    # ...and codes of its secret never sign in.
    refused = intruder.post(reverse("accounts:verify"), {"token": code_for(intruders_secret)})
    assert refused.status_code == 200 and b"not right" in refused.content
    assert not TOTPDevice.objects.get(user=user).verify_token(code_for(intruders_secret))
    assert intruder.get(reverse("desk:queue")).status_code == 302
    # Nor does the enrolment page show the confirmed secret to anyone again.
    page = sign_in(Client(), user).get(reverse(ENROL))
    assert "secret" not in page.context and twofactor.secret_for_humans(device).encode() not in page.content


def test_an_enforced_role_cannot_enrol_with_the_password_alone(db):
    user = make_user("Supervisor")
    client = enrolling(user)
    assert b'name="enrolment_code"' in client.get(reverse(ENROL)).content
    refused = enrol(client, enrolment_code="")
    assert refused.status_code == 200 and not TOTPDevice.objects.filter(user=user).exists()
    refused = enrol(client, enrolment_code="ABCD-EFGH-JKMN-PQRS")
    assert b"does not work" in refused.content and not TOTPDevice.objects.filter(user=user).exists()


def test_an_enrolment_code_works_once_for_its_person_until_it_expires(db):
    administrator = make_user("Administrator")
    user, other = make_user("Supervisor"), make_user("Supervisor")
    _row, code = issue_enrolment_code(user, by=administrator)
    assert b"does not work" in enrol(enrolling(other), enrolment_code=code).content  # not theirs
    person, intruder = enrolling(user), enrolling(user)
    persons_secret = secret_of(person)
    assert enrol(person, enrolment_code=code.lower().replace("-", " ")).status_code == 302  # typed loosely
    assert TOTPDevice.objects.get(user=user).key == persons_secret
    assert EnrolmentCode.objects.get(user=user).used_at is not None
    # Used: the same code in a second session (who read it over the person's shoulder) fails.
    TOTPDevice.objects.filter(user=user).delete()
    assert b"does not work" in enrol(intruder, enrolment_code=code).content
    assert not TOTPDevice.objects.filter(user=user).exists()
    # Expired.
    _row, fresh = issue_enrolment_code(user, by=administrator)
    EnrolmentCode.objects.filter(used_at=None).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert b"does not work" in enrol(intruder, enrolment_code=fresh).content


def test_a_new_code_replaces_an_unused_one(db):
    administrator, user = make_user("Administrator"), make_user("Supervisor")
    _row, first = issue_enrolment_code(user, by=administrator)
    _row, second = issue_enrolment_code(user, by=administrator)
    client = enrolling(user)
    assert b"does not work" in enrol(client, enrolment_code=first).content
    assert enrol(client, enrolment_code=second).status_code == 302


def test_adding_a_device_takes_the_password_again(db):
    user = make_user("Collector")
    client = enrolling(user)
    refused = enrol(client, password="not-the-password")
    assert refused.status_code == 200 and b"password is not right" in refused.content
    assert not TOTPDevice.objects.filter(user=user).exists()


def test_replacing_a_device_takes_a_code_from_the_current_one(db):
    user = make_user("Supervisor")
    old = TOTPDevice.objects.create(user=user, name="old phone", confirmed=True)
    client = sign_in(Client(), user)
    assert client.get(f"{reverse(ENROL)}?new=1").status_code == 200
    assert b'name="current_token"' in client.get(f"{reverse(ENROL)}?new=1").content
    right = current_code(old)
    wrong = "000000" if right != "000000" else "111111"
    refused = enrol(client, current_token=wrong)
    assert b"current authenticator is not right" in refused.content
    assert list(TOTPDevice.objects.filter(user=user)) == [old]
    old.refresh_from_db()
    assert old.throttling_failure_count == 1  # a wrong code of the current device counts
    old.throttling_failure_timestamp = None
    old.save()
    new_secret = secret_of(client)
    assert enrol(client, current_token=right).status_code == 302
    device = TOTPDevice.objects.get(user=user)
    assert device.pk != old.pk and device.key == new_secret and device.confirmed


def test_the_code_used_to_enrol_does_not_sign_in_again(db):
    user = make_user("Collector")
    client = enrolling(user)
    token = code_for(secret_of(client))
    assert client.post(reverse(ENROL), {"password": PASSWORD, "token": token}).status_code == 302
    replay = password_only(user).post(reverse("accounts:verify"), {"token": token})
    assert replay.status_code == 200 and b"not right" in replay.content


@pytest.mark.parametrize("email", ["wei@example.com", ""])
def test_the_person_is_told_in_their_other_sessions_and_by_email(db, django_capture_on_commit_callbacks, email):
    user = make_user("Collector")
    user.email = email
    user.save()
    client = enrolling(user)
    with django_capture_on_commit_callbacks(execute=True):
        assert enrol(client).status_code == 302
    told = "An authenticator app was added to your account"
    # The session that added it was told there and then, not again.
    assert told not in client.get(reverse("admin:index")).content.decode()
    # Any other session shows it once, on its next page.
    elsewhere = sign_in(Client(), user)
    assert told in elsewhere.get(reverse("admin:index")).content.decode()
    assert told not in elsewhere.get(reverse("admin:index")).content.decode()
    assert told not in sign_in(Client(), user).get(reverse("admin:index")).content.decode()
    if email:
        assert [message.to for message in mail.outbox] == [[email]]
        assert told in mail.outbox[0].body and "tell an administrator" in mail.outbox[0].body
    else:
        assert mail.outbox == []


def test_someone_locked_out_by_a_strange_device_learns_why_on_the_token_page(db):
    """An intruder with a collector's password enrolled their own authenticator: the
    collector, asked for a code they cannot give, is told what happened, every time."""
    user = make_user("Collector")
    intruder = enrolling(user)
    assert enrol(intruder).status_code == 302
    person = password_only(user)
    for _ in range(2):
        page = person.get(reverse("desk:queue"), follow=True)
        assert page.redirect_chain[-1][0].startswith(reverse("accounts:verify"))
        assert "An authenticator app was added to your account" in page.content.decode()
