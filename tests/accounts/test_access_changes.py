"""One administrator cannot hold too much: roles and authenticator removals need a second
administrator's approval, nobody changes their own account, the user admin edits neither
roles nor passwords, and every request, decision and change is audited and told."""

from io import StringIO

from django.contrib.auth.models import Group
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice
import pytest

from accounts import services
from accounts.enrolment import EnrolmentRefused, code_hash, issue_enrolment_code, normalised_code
from accounts.models import AccessChange, EnrolmentCode, StaffEvent, StaffNotice
from audit.ledger import seal_pending, verify_chain
from audit.models import AuditLedger
from core.exceptions import NotPermitted
from tests.clients import client_for
from tests.factories import make_user

Change = AccessChange.Kind


def sealed(row) -> bool:
    seal_pending()
    return AuditLedger.objects.filter(table_name=row._meta.db_table, row_pk=row.pk).exists()


def role(name) -> Group:
    return Group.objects.get(name=name)


def ask(user, by, kind=Change.GRANT_ROLE, role_name="Compliance reviewer"):
    return services.request_access_change(
        user, kind, role=role(role_name) if kind != Change.REMOVE_DEVICE else None, reason="Cover.", by=by
    )


def admin_action(client, action, change):
    return client.post(
        reverse("admin:accounts_accesschange_changelist"), {"action": action, "_selected_action": [change.pk]}
    )


# --- nobody changes their own powers, nobody alone changes anyone's --------------------------------


def test_nobody_asks_for_their_own_role(db, administrator):
    with pytest.raises(NotPermitted, match="own roles"):
        ask(administrator, by=administrator)
    # Nor through the admin form.
    response = client_for(administrator).post(
        reverse("admin:accounts_accesschange_add"),
        {"user": administrator.pk, "kind": Change.GRANT_ROLE, "role": role("Compliance reviewer").pk, "reason": "x"},
    )
    assert response.status_code == 200 and "Nobody changes their own roles" in response.content.decode()
    assert not AccessChange.objects.exists()
    assert not administrator.groups.filter(name="Compliance reviewer").exists()


def test_the_administrator_who_asked_cannot_approve_it(db, administrator, collector):
    change = ask(collector, by=administrator, role_name="Supervisor")
    with pytest.raises(NotPermitted, match="another administrator"):
        services.approve_access_change(change, by=administrator)
    # Nor with the admin's action.
    response = admin_action(client_for(administrator), "approve_selected", change)
    assert response.status_code == 302
    change.refresh_from_db()
    assert change.state == AccessChange.State.PENDING
    assert not collector.groups.filter(name="Supervisor").exists()


def test_nobody_approves_a_change_to_their_own_account(db, administrator):
    other = make_user("Administrator")
    change = ask(other, by=administrator)
    with pytest.raises(NotPermitted, match="own roles"):
        services.approve_access_change(change, by=other)
    assert not other.groups.filter(name="Compliance reviewer").exists()


def test_only_administrators_ask_and_approve(db, administrator, supervisor, reviewer, collector):
    with pytest.raises(NotPermitted):
        ask(collector, by=supervisor)
    change = ask(collector, by=administrator, role_name="Supervisor")
    with pytest.raises(NotPermitted):
        services.approve_access_change(change, by=reviewer)
    assert change.state == AccessChange.State.PENDING


# --- a second administrator approves: the change is applied, audited and told ---------------------


def test_a_role_is_given_when_a_second_administrator_approves(db, django_capture_on_commit_callbacks, collector):
    asker, approver = make_user("Administrator"), make_user("Administrator")
    collector.email = "fang@example.com"
    collector.save()
    with django_capture_on_commit_callbacks(execute=True):
        change = ask(collector, by=asker, role_name="Supervisor")
    assert not collector.groups.filter(name="Supervisor").exists()  # asked is not given
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_action(client_for(approver), "approve_selected", change)
    assert response.status_code == 302
    change.refresh_from_db()
    assert (change.state, change.decided_by) == (AccessChange.State.APPLIED, approver)
    assert collector.groups.filter(name="Supervisor").exists()

    # Audited: the request's history, the person's roles over time, and the staff events.
    assert [version.state for version in change.history.order_by("history_id")] == ["pending", "applied"]
    latest = collector.history.order_by("-history_id").first()
    assert latest.history_user == approver and "Supervisor" in {row.group.name for row in latest.groups.all()}
    events = StaffEvent.objects.filter(user=collector).order_by("pk")
    assert [(e.kind, e.by) for e in events] == [
        (StaffEvent.Kind.CHANGE_REQUESTED, asker),
        (StaffEvent.Kind.CHANGE_APPROVED, approver),
        (StaffEvent.Kind.ROLE_GRANTED, approver),
    ]
    assert all(sealed(row) for row in [*events, *change.history.all(), latest])
    assert verify_chain().ok

    # Told: by e-mail when asked and when given, and on their next page.
    assert [message.to for message in mail.outbox] == [["fang@example.com"]] * 2
    assert "another administrator approves" in mail.outbox[0].body
    page = client_for(collector).get(reverse("admin:index")).content.decode()
    assert "You were given the role Supervisor" in page and "to give you the role Supervisor" in page


def test_a_device_is_removed_when_a_second_administrator_approves(db, supervisor):
    asker, approver = make_user("Administrator"), make_user("Administrator")
    TOTPDevice.objects.create(user=supervisor, name="lost phone", confirmed=True)
    change = ask(supervisor, by=asker, kind=Change.REMOVE_DEVICE)
    with pytest.raises(NotPermitted):
        services.approve_access_change(change, by=asker)
    assert TOTPDevice.objects.filter(user=supervisor).exists()
    services.approve_access_change(change, by=approver)
    assert not TOTPDevice.objects.filter(user=supervisor).exists()
    removed = StaffEvent.objects.get(user=supervisor, kind=StaffEvent.Kind.DEVICE_REMOVED)
    assert removed.by == approver and removed.details["device"] == "lost phone" and sealed(removed)
    notice = StaffNotice.objects.get(user=supervisor, kind=StaffEvent.Kind.DEVICE_REMOVED)
    assert notice.details["requested_by"] == asker.username and notice.details["by"] == approver.username


def test_a_role_taken_away_needs_two_as_well(db, administrator):
    reviewer = make_user("Compliance reviewer")
    change = ask(reviewer, by=administrator, kind=Change.REVOKE_ROLE)
    assert reviewer.groups.filter(name="Compliance reviewer").exists()
    services.approve_access_change(change, by=make_user("Administrator"))
    assert not reviewer.groups.filter(name="Compliance reviewer").exists()
    assert StaffEvent.objects.filter(user=reviewer, kind=StaffEvent.Kind.ROLE_REVOKED).exists()


def test_a_turned_down_request_changes_nothing_and_cannot_be_approved_later(db, administrator, collector):
    change = ask(collector, by=administrator, role_name="Supervisor")
    services.reject_access_change(change, by=make_user("Administrator"))
    with pytest.raises(services.AccessChangeRefused, match="already decided"):
        services.approve_access_change(change, by=make_user("Administrator"))
    assert not collector.groups.filter(name="Supervisor").exists()
    assert StaffEvent.objects.filter(user=collector, kind=StaffEvent.Kind.CHANGE_REJECTED).exists()


# --- no back doors left in the admin ---------------------------------------------------------------


def test_the_user_admin_edits_no_roles_and_sets_no_passwords(db, administrator):
    client = client_for(administrator)
    page = client.get(reverse("admin:auth_user_change", args=[administrator.pk])).content.decode()
    assert 'name="groups"' not in page and "Ask for a role change" in page and "../password/" not in page
    form = {
        "username": administrator.username,
        "is_active": "on",
        "is_staff": "on",
        "groups": [group.pk for group in Group.objects.all()],
        "date_joined_0": "2026-01-01",
        "date_joined_1": "00:00:00",
        "staff_events-TOTAL_FORMS": "0",
        "staff_events-INITIAL_FORMS": "0",
    }
    saved = client.post(reverse("admin:auth_user_change", args=[administrator.pk]), form)
    assert saved.status_code == 302
    assert list(administrator.groups.values_list("name", flat=True)) == ["Administrator"]
    victim = make_user("Supervisor")
    url = reverse("admin:auth_user_password_change", args=[victim.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"password1": "taken-over-2026", "password2": "taken-over-2026"}).status_code == 403
    victim.refresh_from_db()
    assert victim.check_password("pw-for-tests-1")


def test_administrators_no_longer_delete_a_device_directly(db, administrator, supervisor):
    device = TOTPDevice.objects.create(user=supervisor, name="phone", confirmed=True)
    client = client_for(administrator)
    response = client.post(reverse("admin:otp_totp_totpdevice_delete", args=[device.pk]), {"post": "yes"})
    assert response.status_code == 403 and TOTPDevice.objects.filter(pk=device.pk).exists()
    listing = client.get(reverse("admin:otp_totp_totpdevice_changelist")).content.decode()
    assert f"{reverse('admin:accounts_accesschange_add')}?user={supervisor.pk}&amp;kind=remove_device" in listing


# --- enrolment codes ---------------------------------------------------------------------------


def test_an_enrolment_code_is_shown_once_and_only_its_hash_kept(db, administrator, supervisor):
    client = client_for(administrator)
    response = client.post(reverse("admin:accounts_enrolmentcode_add"), {"user": supervisor.pk})
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    code = response.context["code"]
    assert len(normalised_code(code)) == 16 and code in response.content.decode()
    row = EnrolmentCode.objects.get(user=supervisor)
    assert row.code_hash == code_hash(code) and row.issued_by == administrator
    stored = " ".join(str(value) for value in EnrolmentCode.objects.values_list().get())
    assert normalised_code(code) not in stored and code not in stored
    view = client.get(reverse("admin:accounts_enrolmentcode_change", args=[row.pk])).content.decode()
    assert code not in view and normalised_code(code) not in view
    event = StaffEvent.objects.get(user=supervisor, kind=StaffEvent.Kind.ENROLMENT_CODE_ISSUED)
    assert event.by == administrator and sealed(event)


def test_enrolment_codes_are_not_for_oneself_nor_for_someone_with_a_device(db, administrator, supervisor):
    with pytest.raises(NotPermitted):
        issue_enrolment_code(administrator, by=administrator)
    with pytest.raises(NotPermitted):
        issue_enrolment_code(supervisor, by=make_user("Collector"))
    TOTPDevice.objects.create(user=supervisor, name="phone", confirmed=True)
    with pytest.raises(EnrolmentRefused, match="has an authenticator"):
        issue_enrolment_code(supervisor, by=administrator)
    assert not EnrolmentCode.objects.exists()


def test_the_operator_issues_a_code_from_the_server(db):
    first_admin = make_user("Administrator")
    out = StringIO()
    call_command("issue_enrolment_code", first_admin.username, stdout=out)
    code = out.getvalue().split()[0]
    assert EnrolmentCode.objects.get(user=first_admin).code_hash == code_hash(code)
    assert StaffEvent.objects.get(kind=StaffEvent.Kind.ENROLMENT_CODE_ISSUED).by is None
