"""
The book and the people a load test signs in as (``manage.py load_book``).

The bench book (bench/book) is generated as the scale benchmark generates it; then the
load staff are made with one known password (bench staff have unusable ones), two-factor
devices for the roles that need them, teams, a share of the cases for each collector, and
an API client for the payments. Everything the locustfile needs is written to one JSON file:
it never imports Django.
"""

from __future__ import annotations

from datetime import time

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, User
from django.db import connection, transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from api.keys import create_client
from api.models import ApiClient, Scope
from cases.models import CLOSED_STATES, CaseState, CollectionCase, TeamMember
from core.jobs import run_job
from policy.models import PolicyProfile

from .. import book
from ..bulk import BenchError
from ..runner import GENERATE_JOB, check_database, stderr_progress
from ..staff import ensure_staff, ensure_templates

PREFIX = "load-"
# Known to the harness only; the database is a throw-away bench* book.
PASSWORD = "load-test-password-not-secret"
ROLES = {"collector": "Collector", "supervisor": "Supervisor", "reviewer": "Compliance reviewer"}
API_CLIENT = "load-test payments"
# Far above what the simulated API users can send, so the throttle never answers 429.
API_REQUESTS_PER_MINUTE = 1_000_000
REVIEWED_CASES = 500


def generate(cases: int, seed: int = 2026) -> dict:
    """A fresh bench book of ``cases`` cases (the database must be empty of cases)."""
    check_database()
    if CollectionCase.objects.exists():
        raise BenchError("This database already holds cases: the load test starts from a fresh one.")
    staff = ensure_staff()
    templates = ensure_templates(staff)

    def _generate() -> dict:
        return {
            "requested_cases": cases,
            **book.generate(cases, seed=seed, staff=staff, templates=templates, progress=stderr_progress),
        }

    return run_job(GENERATE_JOB, _generate, trigger="command").counts


def _people(role: str, count: int, password_hash: str) -> list[User]:
    group = Group.objects.get(name=ROLES[role])
    people = []
    for n in range(1, count + 1):
        user, _ = User.objects.get_or_create(
            username=f"{PREFIX}{role}{n:02d}",
            defaults={"is_staff": True, "first_name": role.title(), "last_name": f"{n:02d}"},
        )
        user.password = password_hash  # one hash for all: hashing each would take a minute
        user.save(update_fields=["password"])
        user.groups.add(group)
        people.append(user)
    return people


def _totp(user: User) -> str:
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="load test", confirmed=True)
    return device.key


def _hand_out_cases(collectors: list[User]) -> None:
    """Every assigned case goes to one of the load collectors (round robin by id), so each
    simulated collector works a queue of its own and never races another for a case."""
    ids = [user.pk for user in collectors]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {CollectionCase._meta.db_table} SET assigned_collector_id = (%s::int[])[id %% %s + 1] "
            "WHERE assigned_collector_id IS NOT NULL",
            [ids, len(ids)],
        )


def _open_all_day() -> None:
    """Calls allowed at any hour and on any day, so a run logs the same calls whenever it
    starts (otherwise at night every call is refused outside hours and the queue is empty)."""
    PolicyProfile.objects.update(
        contact_window_start=time(0, 0), contact_window_end=time.max, holidays="", closed_weekdays=""
    )


@transaction.atomic
def make_staff(users: int) -> dict:
    """Enough people of each role for ``users`` simulated users, and what they sign in with."""
    password_hash = make_password(PASSWORD)
    count = max(users, 1)
    people = {role: _people(role, count, password_hash) for role in ROLES}
    for n, collector in enumerate(people["collector"]):
        TeamMember.objects.update_or_create(
            user=collector, defaults={"supervisor": people["supervisor"][n % len(people["supervisor"])]}
        )
    _hand_out_cases(people["collector"])
    _open_all_day()
    ApiClient.objects.filter(name=API_CLIENT).delete()
    _client, key = create_client(
        name=API_CLIENT,
        scopes=[Scope.PAYMENTS_WRITE],
        by=ensure_staff().administrator,
        requests_per_minute=API_REQUESTS_PER_MINUTE,
    )
    open_cases = CollectionCase.objects.exclude(state__in=[*CLOSED_STATES, CaseState.ARRANGEMENT, CaseState.ON_HOLD])
    loans = list(
        open_cases.filter(account__outstanding_principal__gt=1000)
        .order_by("?")
        .values_list("account__loan_number", flat=True)[:REVIEWED_CASES]
    )
    return {
        "password": PASSWORD,
        "collectors": [{"username": u.username} for u in people["collector"]],
        "supervisors": [{"username": u.username, "totp_key": _totp(u)} for u in people["supervisor"]],
        "reviewers": [{"username": u.username, "totp_key": _totp(u)} for u in people["reviewer"]],
        "api_key": key,
        "loan_numbers": loans,
        "reviewed_cases": list(open_cases.order_by("?").values_list("pk", flat=True)[:REVIEWED_CASES]),
    }


def allow_signing_in_again() -> int:
    """A TOTP code is good once (django-otp keeps the last time step used): the same people
    sign in again for the next phase, perhaps within the same 30 seconds."""
    return TOTPDevice.objects.filter(user__username__startswith=PREFIX).update(last_t=-1)
