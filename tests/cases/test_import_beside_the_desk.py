"""A 100,000-row feed import, run as the worker runs it (its own process), while ten
collectors log calls through the live server on PostgreSQL: their response times stay
within twice what they are without the import. The import holds no lock the collectors
need (the ledger is queued, not locked), so all it takes from them is machine time."""

from concurrent.futures import ThreadPoolExecutor
import os
from pathlib import Path
import statistics
import subprocess
import sys
import time
from unittest import mock

from django.conf import settings
from django.db import connection
import pytest

from cases.models import LoanAccount
from tests.clients import live_poster, session_for
from tests.clock import SHANGHAI, local
from tests.factories import phone_case
from tests.feeds import ACCOUNT_COLUMNS, WANG

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.alone,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

TEN_AM = local(SHANGHAI, day_offset=3, hour=10)
ROWS = 100_000
COLLECTORS = 10
POSTS_EACH = 12


def _write_feed(path: Path, rows: int) -> None:
    template = [WANG.get(column, "") for column in ACCOUNT_COLUMNS]  # optional columns left blank
    number, national_id, phone = (ACCOUNT_COLUMNS.index(c) for c in ("loan_number", "national_id", "phone"))
    with path.open("w", encoding="utf-8") as feed:
        feed.write(",".join(ACCOUNT_COLUMNS) + "\n")
        for n in range(rows):
            cells = list(template)
            cells[number], cells[national_id], cells[phone] = f"BULK-{n:06d}", f"9{n:017d}", f"139{n:08d}"
            feed.write(",".join(f'"{cell}"' if "," in cell else cell for cell in cells) + "\n")


def _p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1]


def _timed_posts(posters, points) -> list[float]:
    def work(index):
        took = []
        for _ in range(POSTS_EACH):
            started = time.perf_counter()
            status = posters[index](points[index])
            took.append(time.perf_counter() - started)
            assert status in (302, 409), status
        return took

    with ThreadPoolExecutor(max_workers=COLLECTORS) as pool:
        return [seconds for took in pool.map(work, range(COLLECTORS)) for seconds in took]


def test_a_large_import_does_not_slow_the_desk_beyond_twice(live_server, collector, tmp_path):
    feed = tmp_path / "feed.csv"
    _write_feed(feed, ROWS)
    cases = [phone_case(phones=(f"+86138000003{i:02d}",)) for i in range(COLLECTORS)]
    for case in cases:
        case.assigned_collector = collector
        case.save(update_fields=["assigned_collector"])
    database = settings.DATABASES["default"]
    environment = {
        **os.environ,
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
        "VAR_DIR": str(tmp_path / "importer-var"),
    }
    with mock.patch("django.utils.timezone.now", return_value=TEN_AM):
        session = session_for(collector)
        posters = [live_poster(live_server, session, case) for case in cases]
        points = [case.points[0].pk for case in cases]
        _timed_posts(posters, points)  # warm-up: connections, templates, caches
        alone = _timed_posts(posters, points)
        importer = subprocess.Popen(
            [sys.executable, "manage.py", "import_loans", str(feed)],
            cwd=settings.BASE_DIR,
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            time.sleep(8)  # into the import: past start-up, checking or writing
            assert importer.poll() is None, importer.communicate()
            beside = _timed_posts(posters, points)
            still_importing = importer.poll() is None
            out, err = importer.communicate(timeout=900)
        finally:
            if importer.poll() is None:
                importer.kill()
    assert importer.returncode == 0, err
    assert still_importing, "the import finished before the collectors did: the measure means nothing"
    assert f"{ROWS} created" in out
    connection.close()
    assert LoanAccount.objects.filter(loan_number__startswith="BULK-").count() == ROWS
    print(f"p95 alone {_p95(alone) * 1000:.0f} ms, beside the import {_p95(beside) * 1000:.0f} ms")
    assert _p95(beside) <= 2 * _p95(alone), (_p95(alone), _p95(beside))
