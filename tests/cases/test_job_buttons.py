"""The job buttons: a page of their own says what will run (no script), the POST queues
one run, a second is refused while that one is queued or running (two requests at once
included), the worker takes the queued row over, and a run no worker took up stops
blocking after two hours. The run page shows its counts as a labelled table."""

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
import threading

from django.contrib.messages import get_messages
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone
import pytest

from core.jobqueue import QUEUED_STALE_AFTER, JobAlreadyQueued, queue_run
from core.jobs import run_job
from core.models import JobRun
from core.tasks import run_scheduled_job
from tests.clients import client_for
from tests.factories import create_case

RUN_NIGHTLY = "admin:core_jobrun_run_nightly"


def said(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_the_button_opens_a_page_that_says_what_will_run(db, supervisor):
    client = client_for(supervisor)
    listing = client.get(reverse("admin:core_jobrun_changelist")).content.decode()
    assert f'href="{reverse(RUN_NIGHTLY)}"' in listing  # a link to the page, not a form that runs at once
    page = client.get(reverse(RUN_NIGHTLY)).content.decode()
    assert "This runs: Nightly cycle." in page and "recomputes days past due" in page
    assert '<form method="post">' in page and "<script" not in page.split('id="confirm-job"')[1]
    assert not JobRun.objects.exists()  # looking runs nothing


def test_a_double_submit_queues_one_run_and_refuses_the_second(db, supervisor, administrator):
    first = client_for(supervisor).post(reverse(RUN_NIGHTLY))
    second = client_for(administrator).post(reverse(RUN_NIGHTLY))
    assert first.status_code == second.status_code == 302
    run = JobRun.objects.get(job="nightly_cycle")
    assert (run.status, run.exclusive, run.started_by, run.trigger) == ("queued", True, supervisor, "admin")
    assert said(first) == ["The nightly cycle is queued; its run appears here when a worker has done it."]
    assert len(said(second)) == 1 and "Nightly cycle is already queued" in said(second)[0]
    assert "within two hours may be queued again" in said(second)[0]
    # The confirmation page says so before anyone clicks again.
    assert 'id="job-busy"' in client_for(administrator).get(reverse(RUN_NIGHTLY)).content.decode()


def test_the_worker_takes_over_the_queued_run_once(db, supervisor):
    create_case(dpd=3)
    client_for(supervisor).post(reverse(RUN_NIGHTLY))
    queued = JobRun.objects.get(job="nightly_cycle")
    counts = run_scheduled_job("nightly_cycle", trigger="admin", user_id=supervisor.pk, run_id=queued.pk)
    assert counts["refresh_delinquency"]["escalated_to_reminder"] == 1
    run = JobRun.objects.get(job="nightly_cycle")  # the same row, not a second one
    assert (run.pk, run.status, run.exclusive, run.started_by) == (queued.pk, "succeeded", False, supervisor)
    # The same message delivered twice runs nothing more.
    assert run_scheduled_job("nightly_cycle", trigger="admin", user_id=supervisor.pk, run_id=queued.pk) == {}
    assert JobRun.objects.filter(job="nightly_cycle").count() == 1
    # Finished: the button queues again.
    client_for(supervisor).post(reverse(RUN_NIGHTLY))
    assert JobRun.objects.filter(job="nightly_cycle", status="queued").count() == 1


def test_a_running_run_refuses_the_button_and_beat_is_not_held_back(db, supervisor):
    running = JobRun.objects.create(job="nightly_cycle", trigger="beat", status=JobRun.Status.RUNNING)
    refused = client_for(supervisor).post(reverse(RUN_NIGHTLY))
    assert "Nightly cycle is running" in said(refused)[0]
    assert list(JobRun.objects.filter(job="nightly_cycle")) == [running]
    # A queued run never stops beat or the command from running the job as before.
    queue_run("check_promises", by=supervisor)
    assert run_job("check_promises", trigger="beat").status == JobRun.Status.SUCCEEDED


def test_a_queued_run_no_worker_took_up_stops_blocking_after_two_hours(db, supervisor):
    stale = queue_run("nightly_cycle", by=supervisor)
    JobRun.objects.filter(pk=stale.pk).update(started_at=timezone.now() - QUEUED_STALE_AFTER - timedelta(minutes=1))
    client_for(supervisor).post(reverse(RUN_NIGHTLY))
    stale.refresh_from_db()
    assert (stale.status, stale.exclusive) == (JobRun.Status.ABANDONED, False)
    assert JobRun.objects.get(job="nightly_cycle", status="queued").pk != stale.pk
    # The worker that finally gets the old message runs nothing.
    assert run_job("nightly_cycle", queued=stale.pk) is None


def test_the_database_holds_one_exclusive_run_per_job(db):
    JobRun.objects.create(job="nightly_cycle", status=JobRun.Status.QUEUED, exclusive=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        JobRun.objects.create(job="nightly_cycle", status=JobRun.Status.QUEUED, exclusive=True)
    JobRun.objects.create(job="compliance_scan", status=JobRun.Status.QUEUED, exclusive=True)  # another job: fine


def test_the_scan_button_asks_first_and_refuses_while_a_scan_runs(db, reviewer):
    client = client_for(reviewer)
    page = client.get(reverse("admin:compliance_finding_run_scan")).content.decode()
    assert "This runs: Compliance scan." in page and not JobRun.objects.exists()
    JobRun.objects.create(job="compliance_scan", trigger="beat", status=JobRun.Status.RUNNING)
    refused = client.post(reverse("admin:compliance_finding_run_scan"))
    assert "Compliance scan is running" in said(refused)[0]
    assert JobRun.objects.filter(job="compliance_scan").count() == 1


def test_the_run_page_shows_its_counts_as_a_labelled_table(db, supervisor):
    create_case(dpd=3)
    run = run_job("nightly_cycle", trigger="test")
    page = client_for(supervisor).get(reverse("admin:core_jobrun_change", args=[run.pk])).content.decode()
    table = page.split('<table class="job-counts">')[1].split("</table>")[0]
    assert '<th colspan="2" scope="rowgroup">Refresh days past due and climb the ladder</th>' in table
    assert '<th scope="row">escalated to Reminders</th><td>1</td>' in table
    assert "escalated_to_reminder" not in table and "{" not in table
    assert '<th colspan="2" scope="rowgroup">Check promises and plans</th>' in table


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_requests_at_the_same_instant_queue_one_run(supervisor):
    """Two threads, each its own connection, past the look at the same moment: the unique
    constraint lets one insert and refuses the other."""
    assert connection.vendor == "postgresql"
    start = threading.Barrier(2)

    def press(_):
        start.wait()
        try:
            queue_run("nightly_cycle", by=supervisor)
            return "queued"
        except JobAlreadyQueued:
            return "refused"
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = sorted(pool.map(press, range(2)))
    assert outcomes == ["queued", "refused"]
    assert JobRun.objects.filter(job="nightly_cycle").count() == 1
