from io import StringIO

from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db import transaction
from django.test import RequestFactory
from django_otp.plugins.otp_totp.models import TOTPDevice
import pytest

from cases.models import CaseState, CollectionCase, LoanAccount


@pytest.fixture(scope="module")
def demo_book(django_db_setup, django_db_blocker):
    """One demo book for the module (seeding it takes seconds), in a transaction rolled back
    when the module is done; each test runs in a savepoint inside it, so a test's own
    writes (a second seed, a sign-in) are gone before the next. Returns what the seeding
    printed."""
    with django_db_blocker.unblock(), transaction.atomic():
        out = StringIO()
        call_command("seed_demo", cases=120, stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


def test_demo_data_covers_every_state_and_is_idempotent(demo_book, db):
    assert "collector1" in demo_book and "demo-2026" in demo_book
    states = set(CollectionCase.objects.values_list("state", flat=True))
    assert states == set(CaseState.values)
    counts = (LoanAccount.objects.count(), CollectionCase.objects.count())
    call_command("seed_demo", cases=120, stdout=StringIO())
    assert (LoanAccount.objects.count(), CollectionCase.objects.count()) == counts
    for username in ("collector1", "fieldagent1", "supervisor1", "supervisor2", "reviewer1", "admin1", "admin2"):
        # The login lockout (django-axes) judges every sign-in by its request.
        user = authenticate(RequestFactory().post("/admin/login/"), username=username, password="demo-2026")
        assert user is not None and user.is_staff and user.groups.count() == 1
    # Roles that must use two-factor sign-in get the published demo authenticator.
    assert "demo_totp" in demo_book
    with_device = set(TOTPDevice.objects.filter(confirmed=True).values_list("user__username", flat=True))
    assert with_device == {"supervisor1", "supervisor2", "reviewer1", "admin1", "admin2"}


def test_demo_contact_history_went_through_the_engine(demo_book, db):
    from contacts.models import ContactAttempt, MessageTemplate

    attempts = ContactAttempt.objects.all()
    assert attempts.filter(allowed=True).exists()
    night = [a for a in attempts.filter(allowed=False) if "outside_hours" in a.reasons]
    assert night and all(a.explanations for a in night)
    assert MessageTemplate.objects.filter(approved_at__isnull=True).count() == 1  # an edit awaiting approval


def test_the_demo_dashboard_has_charts_to_show(demo_book, db):
    """The demo's snapshots are backfilled: the dashboard's default period has a morning
    for every day, delinquent accounts, moves between buckets and the collectors' work."""
    from datetime import timedelta

    from django.utils import timezone

    from desk import kpis
    from desk.kpi_models import SnapshotDay

    today = timezone.localdate()
    assert SnapshotDay.objects.filter(day__gte=today - timedelta(days=30)).count() == 31
    board = kpis.dashboard(kpis.Scope(start=today - timedelta(days=30), end=today - timedelta(days=1)))
    assert len(board.trend) >= 20 and board.delinquent_accounts > 0  # mornings since the first case opened
    assert sum(sum(row.moved_to.values()) for row in board.flows) > 0
    assert board.totals["calls"] > 0 and board.collectors


def test_the_demo_team_and_its_new_cases_allocated_by_the_rule(demo_book, db):
    from cases.event_text import EventCode
    from cases.models import CaseEvent, TeamMember

    team = TeamMember.objects.filter(supervisor__username="supervisor1").select_related("user")
    assert {member.user.username for member in team} == {"collector1", "collector2", "collector3"}
    allocated = CaseEvent.objects.filter(code=EventCode.ALLOCATED_BY_RULE).select_related("case__account__borrower")
    assert allocated.exists()
    for event in allocated:
        member = TeamMember.objects.get(user__username=event.params["collector"])
        borrower = event.case.account.borrower
        assert member.takes(
            language=borrower.language, region=event.case.account.region, profile=borrower.policy_profile_code
        )
    assert not CollectionCase.objects.open().filter(assigned_collector__isnull=True).exists()
