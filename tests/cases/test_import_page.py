"""The import a person starts from the staff page: it runs on a worker, its page shows a
progress bar and then the outcome; an upload over the size limit is refused with the
reason; a file wrong on every line is read in bounded memory and reported in a page of
bounded size."""

import io
import tracemalloc

from django.core.cache import caches
from django.urls import reverse
import pytest

from cases.imports import import_csv
from cases.models import Borrower, LoanAccount
from core.models import JobRun
from core.progress import report_progress
from preferences.models import StaffProfile
from tests.clients import sign_in
from tests.feeds import SMITH, WANG, accounts_csv, upload


@pytest.fixture
def admin_client(client, administrator):
    sign_in(client, administrator)
    return client


def test_an_upload_is_imported_in_the_background_and_its_page_shows_the_outcome(
    db, eager_tasks, admin_client, administrator, settings
):
    response = admin_client.post(
        reverse("cases:import_feed"), {"kind": "accounts", "file": upload(accounts_csv(WANG, SMITH))}
    )
    run = JobRun.objects.get(job="import_accounts")
    assert response["Location"] == reverse("cases:import_progress", args=[run.pk])
    assert (run.status, run.started_by, run.trigger, run.counts["created"]) == ("succeeded", administrator, "admin", 2)
    page = admin_client.get(response["Location"]).content.decode()
    assert "Accounts imported: 2 created, 0 updated." in page and "<progress" not in page
    assert LoanAccount.objects.count() == 2
    assert not list(settings.IMPORT_DIR.glob("*.csv"))  # the kept upload is removed once imported
    listing = admin_client.get(reverse("cases:import_feed")).content.decode()
    assert "feed.csv" in listing and reverse("cases:import_progress", args=[run.pk]) in listing


def test_a_refused_file_lists_its_first_problems_and_counts_the_rest(db, eager_tasks, admin_client):
    bad = [{**WANG, "loan_number": f"L-{n}", "national_id": "", "principal": "lots"} for n in range(250)]
    response = admin_client.post(reverse("cases:import_feed"), {"kind": "accounts", "file": upload(accounts_csv(*bad))})
    page = admin_client.get(response["Location"]).content.decode()
    assert "Nothing was imported: the file has 250 errors." in page
    assert page.count("<tr><td>") == 200 and "…and 50 more problems not listed" in page
    assert "<td>2</td><td><code>principal</code></td>" in page
    assert LoanAccount.objects.count() == Borrower.objects.count() == 0


def test_an_upload_over_the_limit_is_refused_before_it_is_read(db, admin_client, settings):
    settings.IMPORT_MAX_UPLOAD_MB = 1
    too_big = accounts_csv(*[{**WANG, "loan_number": f"L-{n}", "national_id": ""} for n in range(6000)])
    assert len(too_big.encode()) > 1024 * 1024
    response = admin_client.post(reverse("cases:import_feed"), {"kind": "accounts", "file": upload(too_big)})
    assert response.status_code == 200
    page = response.content.decode()
    assert "the largest file accepted is 1 MB" in page and "Split it into smaller files" in page
    assert not JobRun.objects.exists() and not LoanAccount.objects.exists()


def test_a_running_import_shows_its_progress_and_refreshes(db, admin_client):
    run = JobRun.objects.create(
        job="import_accounts", details={"file": "big.csv", "kind": "accounts", "progress_key": "k1", "lines": 1000}
    )
    page = admin_client.get(reverse("cases:import_progress", args=[run.pk])).content.decode()
    assert "Waiting for a worker" in page and 'http-equiv="refresh"' in page
    report_progress("k1", "checking", 500, 1000)
    page = admin_client.get(reverse("cases:import_progress", args=[run.pk])).content.decode()
    assert "Checking line 500 of 1000" in page and 'value="25"' in page
    report_progress("k1", "writing", 1000, 1000)
    page = admin_client.get(reverse("cases:import_progress", args=[run.pk])).content.decode()
    assert "writing line 1000 of 1000" in page and 'value="100"' in page
    caches["progress"].clear()


def test_an_import_reports_both_passes_as_it_goes(db):
    rows = [{**WANG, "loan_number": f"L-{n}", "national_id": ""} for n in range(2500)]
    seen = []
    result = import_csv(
        io.BytesIO(accounts_csv(*rows).encode()), "accounts", progress=lambda phase, done: seen.append((phase, done))
    )
    assert result.ok and result.created == 2500
    assert seen == [
        ("checking", 1000),
        ("checking", 2000),
        ("checking", 2500),
        ("writing", 1000),
        ("writing", 2000),
        ("writing", 2500),
    ]


def test_a_file_wrong_on_every_line_is_checked_in_bounded_memory(db):
    """30,000 refused lines: the check streams the file, keeping 200 problems and a count
    (holding every parsed row and every problem peaked at 100 MB; streamed, 7 MB)."""
    rows = [{**WANG, "loan_number": f"L-{n}", "national_id": "", "principal": "x"} for n in range(30_000)]
    data = io.BytesIO(accounts_csv(*rows).encode())
    del rows
    tracemalloc.start()
    try:
        result = import_csv(data, "accounts")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (result.error_count, len(result.errors)) == (30_000, 200)
    assert peak < 20 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB"
    assert JobRun.objects.get().counts["errors"] == 30_000


def test_problems_are_worded_in_the_readers_language_not_the_importers(db, eager_tasks, admin_client, administrator):
    """Kept as codes: an import run while the page was English reads Chinese to a Chinese
    reader, and a run stored before codes (its sentence kept as written) still shows."""
    bad = {**WANG, "principal": "lots"}
    response = admin_client.post(
        reverse("cases:import_feed"), {"kind": "accounts", "file": upload(accounts_csv(bad))}, HTTP_ACCEPT_LANGUAGE="en"
    )
    run = JobRun.objects.get(job="import_accounts")
    assert run.details["errors"] == [[2, "principal", "not_an_amount", {"value": "lots"}]]
    english = admin_client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "“lots” is not an amount" in english
    StaffProfile.objects.update_or_create(user=administrator, defaults={"language": "zh-hans"})
    admin_client.logout()
    sign_in(admin_client, administrator)  # the preference is read when a session starts
    chinese = admin_client.get(response["Location"]).content.decode()
    assert "“lots”不是金额" in chinese and "is not an amount" not in chinese

    run.details["errors"] = [[2, "principal", "Required; this cell is empty."]]
    run.save()
    assert "Required; this cell is empty." in admin_client.get(response["Location"]).content.decode()
