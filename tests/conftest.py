"""
Shared fixtures: staff users per role, and a factory for cases at a given delinquency.

Service markers: tests marked ``postgres`` or ``redis`` skip on the embedded default
and *fail* when REQUIRE_SERVICES=1 (CI) finds the service missing.
"""

import os
from pathlib import Path
import subprocess

from django.conf import settings
from django.db import connection
from django.test import override_settings
import pytest

from policy.codes import Channel
from tests.factories import ROLES, approved_template, create_case, make_field_agent, make_user


def _service_missing(marker: str) -> str | None:
    if marker == "postgres" and connection.vendor != "postgresql":
        return "needs PostgreSQL (set DATABASE_URL=postgres://…)"
    if marker == "redis" and not settings.REDIS_URL:
        return "needs Redis (set REDIS_URL=redis://…)"
    return None


def _compile_stale_catalogues() -> None:
    """The .mo files are built, not committed (`make messages`); a plain `pytest` after a
    checkout or a .po edit compiles them first so the Chinese interface is testable."""
    compiled = False
    for po in Path(settings.BASE_DIR, "locale").glob("*/LC_MESSAGES/*.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            partial = mo.with_suffix(f".mo.{os.getpid()}")  # other runs may be reading the old one
            subprocess.run(["msgfmt", "--check-format", "-o", str(partial), str(po)], check=True)
            os.replace(partial, mo)
            compiled = True
    if compiled:  # Django may already hold a catalogue read before this one existed
        from django.utils.translation import trans_real

        trans_real._translations = {}
        trans_real._default = None


def pytest_sessionstart(session):
    _compile_stale_catalogues()
    _remove_stale_sqlite_journals(getattr(session.config, "workerinput", {}).get("workerid"))


def _remove_stale_sqlite_journals(worker: str | None):
    """Django deletes an old SQLite test database but not its -wal/-shm files; a test that
    kills a worker process can leave them behind, and a new database beside stale ones
    fails with "disk I/O error". Under pytest-xdist, pytest-django names each worker's
    database after it (test-db.sqlite3_gw0)."""
    test_db = settings.DATABASES["default"].get("TEST", {}).get("NAME")
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3") and test_db:
        if worker:
            test_db = f"{test_db}_{worker}"
        for suffix in ("-wal", "-shm"):
            Path(f"{test_db}{suffix}").unlink(missing_ok=True)


@pytest.fixture(scope="session", autouse=True)
def english_unless_asked():
    """The suite was written against the English texts; the site's default language is
    Chinese. Tests of the Chinese interface choose it explicitly (preference, cookie or
    translation.override)."""
    from django.test.utils import override_settings

    with override_settings(LANGUAGE_CODE="en"):
        yield


@pytest.fixture(autouse=True)
def no_language_left_behind():
    """A request through the test client activates the reader's language for the thread
    and leaves it active; the next test, whichever it is (xdist orders them freely),
    starts from the default again."""
    yield
    from django.utils import translation

    translation.deactivate()


# The longest tests, started first within their group (pytest-django runs the tests that
# use a rolled-back database first, then the transactional ones, then those without a
# database). Run last, one of them kept one worker busy for seconds after the other had
# finished everything.
LONGEST_FIRST = (
    "tests/test_upgrade_in_place.py::",
    "tests/contacts/test_parallel_posts.py::",
    "tests/browser/",
    "tests/bench/test_bench.py::test_bench_generates_a_book_and_measures_every_section",
    "tests/test_permission_matrix.py::test_every_url_answers_each_role_as_the_table_says",
    "tests/cases/test_jobs.py::test_refresh_delinquency_on_10000_accounts_is_set_based_and_idempotent",
    "tests/cases/test_demo.py::",
)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    """Runs before pytest-django's own (stable) sort into those groups, which keeps this order
    within each group."""
    items.sort(key=lambda item: not item.nodeid.startswith(LONGEST_FIRST))


def pytest_runtest_setup(item):
    for marker in ("postgres", "redis"):
        if item.get_closest_marker(marker):
            missing = _service_missing(marker)
            if missing and settings.REQUIRE_SERVICES:
                pytest.fail(f"REQUIRE_SERVICES=1 but this test {missing}", pytrace=False)
            if missing:
                pytest.skip(missing)


@pytest.fixture(scope="session", autouse=True)
def plain_http():
    """The test client and the live server speak plain http. Production defaults (DEBUG
    off) redirect to https and mark cookies Secure; switch off only those (and the idle
    timeout), before the session-scoped live server loads its middleware."""
    plain = override_settings(
        SECURE_SSL_REDIRECT=False,
        SESSION_COOKIE_SECURE=False,
        CSRF_COOKIE_SECURE=False,
        # Many tests sign in now and then freeze the clock days ahead;
        # idle expiry is tested with the real 30 minutes in
        # tests/accounts/test_sessions.py.
        SESSION_COOKIE_AGE=30 * 24 * 3600,
    )
    plain.enable()
    yield
    plain.disable()


@pytest.fixture(scope="session", autouse=True)
def fast_password_hashing():
    """Test users need a password, not a slow one. For the whole session, so that users made
    by module- and class-scoped fixtures (the demo book, say) get one too; no test here is
    about the hashing itself."""
    fast = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    fast.enable()
    yield
    fast.disable()


@pytest.fixture
def collector(db):
    return make_user("Collector")


@pytest.fixture
def other_collector(db):
    return make_user("Collector")


@pytest.fixture
def field_agent(db):
    return make_user("Field agent")


@pytest.fixture
def supervisor(db):
    return make_user("Supervisor")


@pytest.fixture
def reviewer(db):
    return make_user("Compliance reviewer")


@pytest.fixture
def administrator(db):
    return make_user("Administrator")


@pytest.fixture
def users_by_role(db):
    return {role: make_user(role) for role in ROLES}


@pytest.fixture
def agents(db):
    """Two field agents covering Shanghai."""
    return [
        make_field_agent(badge=f"SH-00{number}", username=f"agent{number}", last_name=f"Liu{number}")
        for number in (1, 2)
    ]


@pytest.fixture
def notice_templates(db):
    """The approved visit notices (and the required "visit called off" one)."""
    author, reviewer = make_user("Administrator"), make_user("Compliance reviewer")
    return {
        code: approved_template(
            code, channel, body, required_notice=code == "sms-visit-cancelled", author=author, reviewer=reviewer
        )
        for code, channel, body in [
            (
                "sms-visit-notice",
                Channel.SMS,
                "{borrower_name}您好，我司工作人员（工号{agent_badges}）将于{visit_window}上门，"
                "目的：{visit_purpose}。核验码{verification_code}，可在{verify_url}核实。",
            ),
            (
                "letter-visit-notice",
                Channel.LETTER,
                "{borrower_name}：上门时间{visit_window}，工号{agent_badges}，核验码{verification_code}。",
            ),
            ("sms-visit-cancelled", Channel.SMS, "{borrower_name}您好，原定{visit_window}的上门拜访已取消。"),
        ]
    }


@pytest.fixture
def case_factory(db):
    return create_case


@pytest.fixture
def eager_tasks():
    """Tasks queued by the code under test run at once, in-process (no worker here)."""
    from collections_site.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


@pytest.fixture(autouse=True)
def own_import_folder(settings, tmp_path):
    """Uploads kept for the import worker go to the test's own folder."""
    settings.IMPORT_DIR = tmp_path / "imports"


@pytest.fixture(autouse=True)
def own_audit_anchor(settings, tmp_path):
    """Each test's ledger is rolled back (or flushed) with it; so are its anchors."""
    settings.AUDIT_ANCHOR_FILE = tmp_path / "audit-anchor.log"


@pytest.fixture(autouse=True)
def fresh_profile_cache():
    """Each test's profiles are rolled back with it; the process's copy must not outlive them."""
    from policy.selectors import clear_profile_cache

    clear_profile_cache()
    yield
    clear_profile_cache()
