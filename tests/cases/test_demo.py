from io import StringIO

from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import RequestFactory
from django_otp.plugins.otp_totp.models import TOTPDevice

from cases.models import CaseState, CollectionCase, LoanAccount


def test_demo_data_covers_every_state_and_is_idempotent(db):
    out = StringIO()
    call_command("seed_demo", cases=120, stdout=out)
    assert "collector1" in out.getvalue() and "demo-2026" in out.getvalue()
    states = set(CollectionCase.objects.values_list("state", flat=True))
    assert states == set(CaseState.values)
    counts = (LoanAccount.objects.count(), CollectionCase.objects.count())
    call_command("seed_demo", cases=120, stdout=StringIO())
    assert (LoanAccount.objects.count(), CollectionCase.objects.count()) == counts
    for username in ("collector1", "fieldagent1", "supervisor1", "supervisor2", "reviewer1", "admin1"):
        # The login lockout (django-axes) judges every sign-in by its request.
        user = authenticate(RequestFactory().post("/admin/login/"), username=username, password="demo-2026")
        assert user is not None and user.is_staff and user.groups.count() == 1
    # Roles that must use two-factor sign-in get the published demo authenticator.
    assert "demo_totp" in out.getvalue()
    with_device = set(TOTPDevice.objects.filter(confirmed=True).values_list("user__username", flat=True))
    assert with_device == {"supervisor1", "supervisor2", "reviewer1", "admin1"}


def test_demo_contact_history_went_through_the_engine(db):
    from contacts.models import ContactAttempt, MessageTemplate

    call_command("seed_demo", cases=120, stdout=StringIO())
    attempts = ContactAttempt.objects.all()
    assert attempts.filter(allowed=True).exists()
    night = [a for a in attempts.filter(allowed=False) if "outside_hours" in a.reasons]
    assert night and all(a.explanations for a in night)
    assert MessageTemplate.objects.filter(approved_at__isnull=True).count() == 1  # an edit awaiting approval
