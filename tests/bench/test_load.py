"""
The load test end to end, very briefly: a tiny book in the test database, gunicorn, a
Celery worker and beat started for real with sealing on and then off, six simulated users
(Locust hands them out in weighted order: the sixth is the API client) for a few seconds
each phase. Asserts that every kind of user got answers, that the switch reached the real
processes, and that the report has its numbers (timings are bench/README.md's business).
"""

import json

from django.conf import settings
from django.db import connection
import pytest

from bench.load.run import main

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

KINDS = ["collector", "supervisor", "reviewer", "api"]


@pytest.mark.slow
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_load_test_runs_every_kind_of_user_in_both_phases(tmp_path):
    database = connection.settings_dict
    url = f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"
    output = tmp_path / "load.json"

    code = main(
        ["--database-url", url, "--redis", settings.REDIS_URL, "--cases", "300", "--users", "6", "--seconds", "15"]
        + ["--output", str(output)]
    )

    report = json.loads(output.read_text())
    assert code == 0 and report["failures"] == 0
    for phase in report["phases"].values():
        requests = phase["requests"]
        # Each kind of user got past signing in to its work (request names are "kind: page").
        assert {name.split(":")[0] for name, row in requests.items() if row["count"] > 0} >= set(KINDS)
        assert requests["sign in: two-factor"]["count"] >= 2  # the supervisor and the reviewer
        assert requests["total"]["rps"] > 0 and requests["total"]["p99_ms"] > 0
    on, off = report["phases"]["sealing_on"], report["phases"]["sealing_off"]
    assert on["sealing"] is True and off["sealing"] is False
    # The switch reached the real processes: the calls and payments were sealed, then not.
    assert on["ledger"]["entries_sealed"] > 0
    assert off["ledger"]["entries_sealed"] == 0
    assert report["ledger_tax"]["ratio"] == pytest.approx(
        report["ledger_tax"]["rps_sealing_on"] / report["ledger_tax"]["rps_sealing_off"], abs=0.001
    )
