"""A job whose database connection is lost mid-run (PostgreSQL restarted) is recorded as
failed, not left "running" for ever (bench/faults/pg_restart.py does it with a real restart)."""

from django.db import OperationalError, connection
import pytest

from core.jobs import run_job
from core.models import JobRun

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="terminates a PostgreSQL backend")


def _lose_the_connection() -> dict:
    # What a restart does to every open connection: the server ends this session.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(pg_backend_pid())")
    return {"done": 1}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_job_that_lost_its_database_is_recorded_as_failed():
    with pytest.raises(OperationalError):
        run_job("faults_lost_database", _lose_the_connection, trigger="command")

    run = JobRun.objects.get(job="faults_lost_database")
    assert run.status == JobRun.Status.FAILED
    assert run.finished_at is not None
    assert "terminat" in run.error
