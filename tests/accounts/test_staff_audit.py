"""People and powers are audited: role changes have history, and the security facts
(passwords, authenticators, lockouts) are StaffEvents; all of it sealed in the ledger."""

import re

from axes.models import AccessAttempt
from django.contrib.auth.models import Group
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import StaffEvent
from audit.ledger import seal_pending, verify_chain
from audit.models import AuditLedger
from tests.clients import client_for
from tests.factories import make_user


def sealed(row) -> bool:
    seal_pending()
    return AuditLedger.objects.filter(table_name=row._meta.db_table, row_pk=row.pk).exists()


def test_a_role_given_and_taken_away_is_in_the_history_and_the_ledger(db):
    collector = make_user("Collector")
    supervisors = Group.objects.get(name="Supervisor")
    collector.groups.add(supervisors)
    collector.groups.remove(supervisors)
    roles_over_time = [
        sorted(group.group.name for group in version.groups.all())
        for version in collector.history.order_by("history_id")
    ]
    assert ["Collector", "Supervisor"] in roles_over_time and roles_over_time[-1] == ["Collector"]
    membership_rows = [row for version in collector.history.all() for row in version.groups.all()]
    assert membership_rows and all(sealed(row) for row in membership_rows)
    assert all(sealed(version) for version in collector.history.all())
    assert verify_chain().ok


def test_a_password_change_is_recorded_as_a_fact_never_as_the_hash(db):
    user = make_user("Collector")
    user.set_password("a-new-password-2026")
    user.save()
    event = StaffEvent.objects.get(user=user, kind=StaffEvent.Kind.PASSWORD_CHANGED)
    assert sealed(event)
    assert not hasattr(user.history.model, "password")
    # Saving without a new password records nothing more.
    user.first_name = "Wei"
    user.save()
    assert StaffEvent.objects.filter(user=user, kind=StaffEvent.Kind.PASSWORD_CHANGED).count() == 1


def test_an_authenticator_added_confirmed_and_removed_is_recorded(db):
    user = make_user("Supervisor")
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=False)
    device.confirmed = True
    device.save()
    device.save()  # confirming twice is one confirmation
    device.delete()
    kinds = list(StaffEvent.objects.filter(user=user).order_by("pk").values_list("kind", flat=True))
    assert kinds == [StaffEvent.Kind.DEVICE_ADDED, StaffEvent.Kind.DEVICE_CONFIRMED, StaffEvent.Kind.DEVICE_REMOVED]
    assert all(sealed(event) for event in StaffEvent.objects.filter(user=user))


def test_clearing_a_lockout_names_who_cleared_it(db):
    locked, administrator = make_user("Collector"), make_user("Administrator")
    attempt = AccessAttempt.objects.create(
        username=locked.username,
        ip_address="10.0.0.7",
        user_agent="test",
        failures_since_start=5,
        http_accept="*/*",
        path_info="/admin/login/",
    )
    response = client_for(administrator).post(
        reverse("admin:axes_accessattempt_delete", args=[attempt.pk]), {"post": "yes"}
    )
    assert response.status_code == 302 and not AccessAttempt.objects.exists()
    event = StaffEvent.objects.get(kind=StaffEvent.Kind.LOCKOUT_CLEARED)
    assert (event.user, event.by, event.details["ip"]) == (locked, administrator, "10.0.0.7")


def test_the_reviewer_reads_a_users_security_events_and_a_supervisor_does_not(db):
    user = make_user("Field agent")
    TOTPDevice.objects.create(user=user, name="agent phone", confirmed=True)
    page_url = reverse("admin:auth_user_change", args=[user.pk])
    reviewer_page = client_for(make_user("Compliance reviewer")).get(page_url).content.decode()
    kinds = re.findall(r'class="field-kind">\s*<p>([^<]*)</p>', reviewer_page)
    assert sorted(kinds) == ["Authenticator added (not yet confirmed)", "Authenticator confirmed"]
    supervisor_page = client_for(make_user("Supervisor")).get(page_url).content.decode()
    assert "Security events" not in supervisor_page and "Security events" in reviewer_page
