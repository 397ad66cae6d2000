"""The loan feed import under generated input: rows whose every cell may be a good value
or junk (any unicode, huge, negative, commas and quotes, formulas, wrong types).

Whatever arrives, the import either takes every record or none — with line-and-field
messages for what it refused — and raises nothing; the command raises only its
CommandError and the page answers 200 or 302, never a server error. A refused file
changes nothing in the book (only its JobRun is kept)."""

import csv
import io
import os
import tempfile

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
import pytest

from cases.imports import ACCOUNT_COLUMNS, PAYMENT_COLUMNS, import_csv
from cases.models import Borrower, CollectionCase, ContactPoint, LoanAccount, Payment
from core.models import JobRun
from tests.clients import sign_in
from tests.factories import make_user
from tests.feeds import SMITH, WANG

pytestmark = pytest.mark.django_db

FUZZ = hypothesis_settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

junk = st.one_of(
    st.text(max_size=40),
    st.text(min_size=200, max_size=2000),
    st.sampled_from(
        [
            "",
            " ",
            "-1",
            "1e309",
            "NaN",
            "Infinity",
            "0.001",
            "1,000.00",
            "9" * 40,
            '=HYPERLINK("x")',
            "2026-02-30",
            "2026-13-01",
            "26/11/2026",
            "2026-11-20T10:15:00",
            "2026-11-20T10:15:00+99:00",
            "Mars/Olympus",
            "XX",
            "cn",
            "usd",
            '"',
            '""',
            "\n",
            "\r\n",
            "a\x00b",
            "\u202e",
            "😀" * 30,
            "+86 138 0000 0000",
            "not-an-email@",
            "L-1001",
        ]
    ),
    st.integers().map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
)


@st.composite
def row_from(draw, good: dict, columns):
    """A row that starts from ``good`` with up to three cells (any of them) replaced by
    junk: some files are clean, most are not, and every column gets its turn."""
    spoilt = draw(st.sets(st.sampled_from(columns), max_size=3))
    return {column: draw(junk) if column in spoilt else good.get(column, "") for column in columns}


account_rows = st.lists(
    st.one_of(row_from(WANG, ACCOUNT_COLUMNS), row_from(SMITH, ACCOUNT_COLUMNS)), min_size=1, max_size=4
)
PAYMENT = {"loan_number": "F-0001", "reference": "PAY-1", "amount": "10.00", "paid_at": "2026-01-05T10:00:00+08:00"}
payment_rows = st.lists(row_from(PAYMENT, PAYMENT_COLUMNS), min_size=1, max_size=4)


def as_csv(rows, columns) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def book() -> tuple:
    return (
        Borrower.objects.count(),
        LoanAccount.objects.count(),
        ContactPoint.objects.count(),
        Payment.objects.count(),
        CollectionCase.objects.count(),
        tuple(LoanAccount.objects.order_by("pk").values_list("outstanding_principal", flat=True)),
    )


def records_in(rows) -> int:
    """Records the import counts: a row with any non-blank cell (as csv reads it back)."""
    return sum(1 for row in rows if any(str(value).strip() for value in row.values()))


def check_all_or_nothing(result, before, rows):
    if result.ok:
        assert result.created + result.updated + result.unchanged == records_in(rows)
    else:
        assert book() == before, "a refused import changed the book"
        assert result.errors and all(error.row_number >= 1 and str(error) for error in result.errors)


@pytest.fixture
def feed_account(db):
    from tests.factories import create_case

    case = create_case(dpd=40)
    LoanAccount.objects.filter(pk=case.account.pk).update(loan_number="F-0001")
    return case.account


@FUZZ
@given(rows=account_rows, extra_junk=st.booleans())
def test_account_rows_with_junk_import_whole_or_not_at_all(db, rows, extra_junk):
    with transaction.atomic():
        before, runs = book(), JobRun.objects.count()
        data = as_csv(rows, ACCOUNT_COLUMNS)
        if extra_junk:
            data += b'L-9,"unterminated,\xff\xfe\n'
        result = import_csv(io.BytesIO(data), "accounts")  # raises nothing
        check_all_or_nothing(result, before, rows if not extra_junk else rows + [{"x": "y"}])
        assert JobRun.objects.count() == runs + 1
        transaction.set_rollback(True)


@FUZZ
@given(rows=payment_rows)
def test_payment_rows_with_junk_import_whole_or_not_at_all(db, feed_account, rows):
    with transaction.atomic():
        before = book()
        result = import_csv(io.BytesIO(as_csv(rows, PAYMENT_COLUMNS)), "payments")
        check_all_or_nothing(result, before, rows)
        transaction.set_rollback(True)


@FUZZ
@given(
    data=st.one_of(st.binary(max_size=3000), st.text(max_size=2000).map(str.encode)),
    kind=st.sampled_from(["accounts", "payments"]),
)
def test_arbitrary_bytes_are_refused_with_a_message(db, data, kind):
    with transaction.atomic():
        before = book()
        result = import_csv(io.BytesIO(data), kind)
        if not result.ok:
            assert book() == before and all(str(error) for error in result.errors)
        transaction.set_rollback(True)


@hypothesis_settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(rows=account_rows)
def test_the_command_fails_only_with_its_command_error(db, rows):
    with transaction.atomic():
        before = book()
        with tempfile.NamedTemporaryFile("wb", suffix=".csv", delete=False) as file:
            file.write(as_csv(rows, ACCOUNT_COLUMNS))
        try:
            call_command("import_loans", file.name, stdout=io.StringIO(), stderr=io.StringIO())
        except CommandError as refused:
            assert "Nothing imported" in str(refused) and book() == before
        finally:
            os.unlink(file.name)
        transaction.set_rollback(True)


@hypothesis_settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(rows=account_rows, kind=st.sampled_from(["accounts", "payments", "", "other"]))
def test_the_import_page_never_fails(db, eager_tasks, rows, kind):
    with transaction.atomic():
        before = book()
        client = sign_in(Client(raise_request_exception=True), make_user("Administrator"))
        upload = SimpleUploadedFile("feed.csv", as_csv(rows, ACCOUNT_COLUMNS), content_type="text/csv")
        response = client.post(reverse("cases:import_feed"), {"kind": kind, "file": upload})
        assert response.status_code in (200, 302)
        if response.status_code == 302:
            run = JobRun.objects.latest("pk")
            assert response["Location"] == reverse("cases:import_progress", args=[run.pk])
            assert run.status in (JobRun.Status.SUCCEEDED, JobRun.Status.FAILED)
            assert client.get(response["Location"]).status_code == 200
            if run.status == JobRun.Status.FAILED:
                assert book() == before
        else:
            assert book() == before
        transaction.set_rollback(True)
