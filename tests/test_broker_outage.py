"""A Redis outage degrades the site instead of breaking it: /verify/ keeps answering (and
keeps refusing guessers, counting in the database), and a daily job whose tick fell in
the outage runs when the broker is back (core/catchup.py)."""

from datetime import timedelta
import shutil
import socket
import subprocess
import time
from urllib.error import HTTPError
from urllib.parse import urlencode
from urllib.request import urlopen

from celery.schedules import crontab
from django.test import override_settings
from django.utils import timezone
import pytest

from core.catchup import catch_up_missed_jobs, missed_jobs
from core.models import JobRun
from visits.models import VerifyCounter


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def private_redis(tmp_path):
    """A Redis of this test's own, so stopping it disturbs no other test."""
    if shutil.which("redis-server") is None:
        pytest.skip("no redis-server on this machine")
    port = _free_port()
    server = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
    )
    for _ in range(50):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            break
        except OSError:
            time.sleep(0.1)
    yield server, f"redis://127.0.0.1:{port}/0"
    server.kill()
    server.wait()


def _status(url: str) -> int:
    try:
        with urlopen(url, timeout=10) as response:
            return response.status
    except HTTPError as error:
        return error.code


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_verify_answers_and_still_throttles_with_redis_stopped(live_server, private_redis, settings):
    server, redis_url = private_redis
    settings.VERIFY_ATTEMPTS_PER_WINDOW = 3
    cache = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url}}
    with override_settings(CACHES=cache):
        guess = f"{live_server.url}/verify/?{urlencode({'code': 'WRONGCODE2'})}"
        assert _status(guess) == 200  # Redis up: counted there
        server.kill()
        server.wait()
        # Redis down: the page still answers, counting in the database (the address's
        # wrong codes and the code's lookups)…
        assert [_status(guess) for _ in range(3)] == [200, 200, 200]
        assert list(VerifyCounter.objects.values_list("count", flat=True)) == [3, 3]
        # …and the guesser is refused once the window's limit is reached.
        assert _status(guess) == 429


def _schedule_ticking(hours_ago: int) -> dict:
    tick = timezone.localtime() - timedelta(hours=hours_ago)
    return {
        "refresh-delinquency": {
            "task": "core.tasks.run_scheduled_job",
            "args": ["refresh_delinquency"],
            "schedule": crontab(hour=tick.hour, minute=tick.minute),
        },
        "dispatch-outbox": {"task": "core.tasks.run_scheduled_job", "args": ["dispatch_outbox"], "schedule": 60.0},
    }


def test_a_daily_job_whose_tick_fell_in_an_outage_runs_once_the_broker_is_back(db):
    JobRun.objects.create(
        job="refresh_delinquency",
        status=JobRun.Status.SUCCEEDED,
        started_at=timezone.now() - timedelta(days=1, hours=2),
    )
    with override_settings(CELERY_BEAT_SCHEDULE=_schedule_ticking(hours_ago=2)):
        assert missed_jobs() == ["refresh_delinquency"]
        assert catch_up_missed_jobs() == {"caught_up": 1}
        caught_up = JobRun.objects.get(trigger="catch_up")
        assert (caught_up.job, caught_up.status) == ("refresh_delinquency", JobRun.Status.SUCCEEDED)
        # It ran since its tick: the next look finds nothing to make up.
        assert missed_jobs() == [] and catch_up_missed_jobs() == {"caught_up": 0}


def test_a_tick_beat_may_still_be_on_is_not_doubled(db):
    with override_settings(CELERY_BEAT_SCHEDULE=_schedule_ticking(hours_ago=0)):
        assert missed_jobs() == []
    JobRun.objects.create(job="refresh_delinquency", status=JobRun.Status.FAILED)
    with override_settings(CELERY_BEAT_SCHEDULE=_schedule_ticking(hours_ago=1)):
        # A failed run since the tick does not count as a run: the job is still owed.
        assert missed_jobs() == ["refresh_delinquency"]


def test_a_new_installation_does_not_make_up_jobs_it_never_ran(db):
    with override_settings(CELERY_BEAT_SCHEDULE=_schedule_ticking(hours_ago=2)):
        assert missed_jobs() == [] and catch_up_missed_jobs() == {"caught_up": 0}
