from datetime import timedelta
from io import StringIO

from django.contrib.auth import authenticate
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import transaction
from django.test import RequestFactory
from django_otp.plugins.otp_totp.models import TOTPDevice
import pytest

from cases.models import CaseState, CollectionCase, LoanAccount
from demo.seed.book import LOAN_PREFIX
from demo.seed.field_visits import demo_visits, ensure_visit_in_window
from policy.selectors import current_profile
from tests.clock import SHANGHAI, frozen, local
from visits.models import FieldVisit, VisitState
from visits.selectors import verification
from visits.services import _check_window, check_in


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


# --- the demo's open field visit (demo/seed/field_visits.py ensure_visit_in_window) -----
# The instants are tomorrow (and later) in Shanghai: after the module's book was seeded,
# whose own open visit (for the real now) has closed by then.


def _assert_open_and_workable(visit, now):
    """Announced, on a demo CN case, covering ``now`` with time to try it, inside visiting
    hours; the borrower's page says valid and an assigned agent gets in."""
    assert visit.state == VisitState.NOTIFIED
    assert visit.case.account.loan_number.startswith(LOAN_PREFIX)
    assert visit.case.account.borrower.policy_profile_code == "CN"
    assert visit.window_start <= now and visit.window_end - now >= timedelta(minutes=30)
    _check_window(visit.case, visit.window_start, visit.window_end)  # ≤ 4 hours, inside visiting hours
    assert verification(visit.verification_code)["status"] == "valid"
    visit = check_in(visit, by=User.objects.get(username="fieldagent1"))
    assert FieldVisit.objects.get(pk=visit.pk).state == VisitState.IN_PROGRESS


def test_the_demo_visit_is_open_in_shanghai_daytime_and_an_agent_checks_in(demo_book, db):
    now = local(SHANGHAI, day_offset=1, hour=14)
    # A notice that left only an hour ago: moving a window must keep the notice's lead time.
    demo_visits().update(notice_sent_at=now - timedelta(hours=1))
    with frozen(now):
        visit = ensure_visit_in_window()
        assert visit.notice_sent_at + timedelta(hours=visit.profile.visit_notice_lead_hours) <= visit.window_start
        assert visit.window_end - now >= timedelta(hours=1)
        assert visit.history.first().history_change_reason == "Demo: window moved to now"
        _assert_open_and_workable(visit, now)


def test_a_second_run_keeps_the_same_code_and_rewrites_nothing(demo_book, db):
    now = local(SHANGHAI, day_offset=1, hour=10)
    with frozen(now):
        first = ensure_visit_in_window()
        written = first.history.count()
    assert first.window_start <= now and first.window_end - now >= timedelta(hours=1)
    with frozen(now + timedelta(minutes=20)):
        again = ensure_visit_in_window()
    assert (again.pk, again.verification_code) == (first.pk, first.verification_code)
    assert (again.window_start, again.window_end) == (first.window_start, first.window_end)
    assert again.history.count() == written


def test_three_hours_later_a_visit_covers_the_new_now(demo_book, db):
    now = local(SHANGHAI, day_offset=1, hour=11)
    with frozen(now):
        first = ensure_visit_in_window()
    later = now + timedelta(hours=3)
    assert first.window_end < later  # the first window is over by then
    with frozen(later):
        visit = ensure_visit_in_window()
        _assert_open_and_workable(visit, later)


def test_when_every_demo_visit_was_worked_a_new_one_is_announced(demo_book, db):
    now = local(SHANGHAI, day_offset=1, hour=15)
    worked = list(demo_visits().values_list("pk", flat=True))
    FieldVisit.objects.filter(pk__in=worked).update(state=VisitState.COMPLETED)
    with frozen(now):
        visit = ensure_visit_in_window()
        assert visit.pk not in worked and visit.case.state == CaseState.FIELD_VISIT
        assert set(visit.agents.values_list("user__username", flat=True)) == {"fieldagent1", "fieldagent2"}
        _assert_open_and_workable(visit, now)


def test_seed_demo_prints_the_open_visit_on_every_run(demo_book, db):
    now = local(SHANGHAI, day_offset=1, hour=20, minute=40)
    closing = current_profile("CN").contact_window_end  # visiting hours end there: the window stops too
    with frozen(now):
        out = StringIO()
        call_command("seed_demo", cases=120, stdout=out)
        visit = demo_visits().get(window_start__lte=now, window_end__gte=now)
    assert "Demo book already present" in out.getvalue()
    assert (
        f"A visit open now for the field agents (fieldagent1/fieldagent2), Shanghai 20:10–{closing:%H:%M}: "
        f"code {visit.verification_code} — try it at /verify/"
    ) in out.getvalue()


def test_at_night_in_shanghai_the_visit_waits_for_the_next_morning_and_says_so(demo_book, db):
    night = local(SHANGHAI, day_offset=1, hour=23, minute=30)
    with frozen(night):
        out = StringIO()
        call_command("demo_visit", stdout=out)
        visit = ensure_visit_in_window()  # the same one again
    start = visit.window_start.astimezone(SHANGHAI)
    assert start.date() == night.date() + timedelta(days=1) and start.hour == 8
    assert visit.history.first().history_change_reason == "Demo: window moved to the next visiting hours"
    printed = out.getvalue()
    assert "outside visiting hours" in printed and visit.verification_code in printed
    assert f"opens tomorrow, Shanghai {start:%H:%M}–{visit.window_end.astimezone(SHANGHAI):%H:%M}" in printed
    with frozen(night):
        assert verification(visit.verification_code)["status"] == "out_of_window"
    with frozen(visit.window_start + timedelta(minutes=10)):
        _assert_open_and_workable(visit, visit.window_start + timedelta(minutes=10))


def test_half_an_hour_before_visiting_hours_close_the_visit_goes_to_the_next_morning(demo_book, db):
    closing = current_profile("CN").contact_window_end
    late = local(SHANGHAI, day_offset=1, hour=closing.hour, minute=closing.minute) - timedelta(minutes=20)
    with frozen(late):
        visit = ensure_visit_in_window()
    start = visit.window_start.astimezone(SHANGHAI)
    assert start.date() == late.date() + timedelta(days=1) and start.hour == 8
