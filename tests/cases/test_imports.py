"""The loan feed import: accounts and payments from CSV, the whole file or nothing."""

from datetime import timedelta
from decimal import Decimal
import io
from unittest import mock

from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
import pytest

from cases.imports import ACCOUNT_COLUMNS, RowError, import_accounts, import_csv, import_payments, read_csv
from cases.models import Borrower, CaseState, ContactPoint, LoanAccount, Payment
from core.models import JobRun
from tests.clients import client_for
from tests.factories import create_case
from tests.feeds import SMITH, WANG, accounts_csv, payments_csv, upload


def an_hour_ago() -> str:
    return (timezone.localtime() - timedelta(hours=1)).isoformat(timespec="seconds")


def book_counts() -> tuple[int, int, int, int]:
    return (
        Borrower.objects.count(),
        LoanAccount.objects.count(),
        Payment.objects.count(),
        ContactPoint.objects.count(),
    )


# --- reading the file -------------------------------------------------------------------


def test_read_csv_takes_binary_with_bom_and_strips_values():
    rows = read_csv(io.BytesIO("\ufeffloan_number , amount\n L-1 ,  12.50 \n".encode("utf-8")))
    assert rows == [{"loan_number": "L-1", "amount": "12.50"}]


def test_read_csv_takes_text():
    assert read_csv(io.StringIO("loan_number\nL-1\n")) == [{"loan_number": "L-1"}]


def test_missing_required_column_is_an_error_on_line_1(db):
    columns = [column for column in ACCOUNT_COLUMNS if column != "currency"]
    result = import_csv(io.StringIO(accounts_csv(WANG, columns=columns)), "accounts")
    assert not result.ok
    assert RowError(1, "currency", "missing_column") in result.errors
    assert result.errors[0].message == "Required column is missing from the header."
    assert LoanAccount.objects.count() == 0


def test_unknown_column_is_an_error_so_a_misspelt_balance_is_not_read_as_zero(db):
    columns = [("outstanding_intrest" if c == "outstanding_interest" else c) for c in ACCOUNT_COLUMNS]
    result = import_csv(io.StringIO(accounts_csv(WANG, columns=columns)), "accounts")
    assert [(e.row_number, e.field) for e in result.errors] == [(1, "outstanding_intrest")]
    assert LoanAccount.objects.count() == 0


def test_file_that_is_not_utf8_is_refused(db):
    data = accounts_csv(WANG).encode("gbk")
    result = import_csv(io.BytesIO(data), "accounts")
    assert not result.ok and "UTF-8" in result.errors[0].message
    assert LoanAccount.objects.count() == 0


def test_unquoted_comma_in_an_amount_is_reported_on_its_line(db):
    text = accounts_csv(WANG).replace("10000.00", "10,000.00")
    result = import_csv(io.StringIO(text), "accounts")
    assert any(e.row_number == 2 and e.field == "" and "more cell" in e.message for e in result.errors)
    assert LoanAccount.objects.count() == 0


# --- accounts ---------------------------------------------------------------------------


def test_good_accounts_file_creates_borrowers_contact_points_and_accounts(db):
    result = import_csv(io.StringIO(accounts_csv(WANG, SMITH)), "accounts")

    assert result.ok and (result.created, result.updated) == (2, 0)
    wang = LoanAccount.objects.get(loan_number="L-1001")
    assert wang.outstanding_total == Decimal("8150.50") and wang.currency == "CNY"
    assert wang.days_past_due == (timezone.localdate() - wang.oldest_unpaid_due_date).days
    assert wang.borrower.national_id == "110101199003070011" and wang.borrower.home_time_zone == "Asia/Shanghai"
    points = dict(wang.borrower.contact_points.values_list("kind", "value"))
    assert points == {"phone": "+8613812345678", "email": "wang.wei@example.com", "postal": "1 Chang'an Ave, Beijing"}
    smith = LoanAccount.objects.get(loan_number="L-1002")
    assert smith.borrower.contact_points.get(kind="phone").value == "+12125550100"
    assert smith.borrower.language == "en" and smith.outstanding_interest == Decimal("0")


def test_reimport_updates_balances_instead_of_duplicating(db):
    import_accounts([WANG, SMITH])
    before = book_counts()

    result = import_accounts(
        [
            {
                **WANG,
                "borrower_name": "王伟 (Wang Wei)",
                "outstanding_principal": "7500.00",
                "outstanding_interest": "0",
                "oldest_unpaid_due_date": "",
            },
            SMITH,
        ]
    )

    assert result.ok and (result.created, result.updated) == (0, 2)
    assert book_counts() == before
    account = LoanAccount.objects.get(loan_number="L-1001")
    assert account.outstanding_principal == Decimal("7500.00") and account.outstanding_interest == 0
    assert account.days_past_due == 0
    assert account.borrower.full_name == "王伟 (Wang Wei)"


def test_borrower_is_matched_by_national_id_across_accounts(db):
    second_loan = {**WANG, "loan_number": "L-1003", "phone": "13912345678", "email": ""}
    assert import_accounts([WANG, second_loan]).ok
    borrower = Borrower.objects.get()
    assert borrower.accounts.count() == 2
    assert sorted(borrower.contact_points.filter(kind="phone").values_list("value", flat=True)) == [
        "+8613812345678",
        "+8613912345678",
    ]
    assert borrower.contact_points.filter(is_primary=True, kind="phone").count() == 1


def test_one_bad_row_imports_nothing_and_names_its_line_and_column(db):
    create_case()
    before = book_counts()
    bad = {**SMITH, "principal": "five hundred"}

    result = import_csv(io.StringIO(accounts_csv(WANG, bad)), "accounts")

    assert not result.ok and (result.created, result.updated) == (0, 0)
    assert [(e.row_number, e.field) for e in result.errors] == [(3, "principal")]
    assert book_counts() == before


def test_duplicate_loan_number_is_an_error_on_the_second_row(db):
    result = import_accounts([WANG, SMITH, {**WANG, "outstanding_principal": "1.00"}])
    assert [(e.row_number, e.field) for e in result.errors] == [(4, "loan_number")]
    assert "line 2" in result.errors[0].message
    assert LoanAccount.objects.count() == 0


@pytest.mark.parametrize(
    "column, value",
    [
        ("principal", "-1.00"),
        ("principal", "10.001"),
        ("outstanding_principal", "20000"),
        ("currency", "JPY"),
        ("language", "fr"),
        ("policy_profile_code", "DE"),
        ("date_of_birth", "07/03/1990"),
        ("oldest_unpaid_due_date", "2026-02-30"),
        ("home_time_zone", "China/Beijing"),
        ("phone", "12345"),
        ("email", "not-an-email"),
        ("borrower_name", ""),
        ("loan_number", ""),
    ],
)
def test_each_rule_rejects_its_column(db, column, value):
    result = import_accounts([{**WANG, column: value}])
    assert [(e.row_number, e.field) for e in result.errors] == [(2, column)]
    assert Borrower.objects.count() == 0


def test_feed_cannot_change_an_accounts_currency(db):
    case = create_case()
    row = {**SMITH, "loan_number": case.account.loan_number, "currency": "USD"}
    result = import_accounts([row])
    assert [(e.row_number, e.field) for e in result.errors] == [(2, "currency")]
    case.account.refresh_from_db()
    assert case.account.product == "Consumer loan"


def test_feed_does_not_move_a_loan_to_another_borrower(db):
    case = create_case()
    row = {**WANG, "loan_number": case.account.loan_number, "national_id": "110101198001010022"}
    result = import_accounts([row])
    assert [(e.row_number, e.field) for e in result.errors] == [(2, "national_id")]
    assert LoanAccount.objects.get(pk=case.account.pk).borrower_id == case.account.borrower_id


# --- payments ---------------------------------------------------------------------------


def test_payment_that_clears_the_balance_resolves_the_case_and_reimport_is_idempotent(db):
    case = create_case(dpd=20)
    text = payments_csv((case.account.loan_number, "PAY-1", "5000.00", an_hour_ago()))

    first = import_csv(io.StringIO(text), "payments")
    second = import_csv(io.StringIO(text), "payments")

    assert first.ok and first.created == 1
    assert second.ok and (second.created, second.unchanged) == (0, 1)
    assert Payment.objects.filter(reference="PAY-1").count() == 1
    assert Payment.objects.get().source == Payment.Source.FEED
    case.refresh_from_db()
    assert case.state == CaseState.RESOLVED
    assert case.account.outstanding_total == 0


def test_payment_for_an_unknown_loan_number_fails_the_whole_file(db):
    case = create_case(dpd=20)
    result = import_payments(
        [
            {"loan_number": case.account.loan_number, "reference": "PAY-1", "amount": "100", "paid_at": an_hour_ago()},
            {"loan_number": "NO-SUCH", "reference": "PAY-2", "amount": "100", "paid_at": an_hour_ago()},
        ]
    )
    assert [(e.row_number, e.field) for e in result.errors] == [(3, "loan_number")]
    assert Payment.objects.count() == 0
    case.account.refresh_from_db()
    assert case.account.outstanding_total == Decimal("5000.00")


def test_naive_paid_at_is_a_row_error_asking_for_the_offset(db):
    case = create_case()
    result = import_payments(
        [
            {
                "loan_number": case.account.loan_number,
                "reference": "PAY-1",
                "amount": "10",
                "paid_at": "2026-11-20T10:15:00",
            }
        ]
    )
    assert [(e.row_number, e.field) for e in result.errors] == [(2, "paid_at")]
    assert "offset" in result.errors[0].message
    assert Payment.objects.count() == 0


def test_service_refusal_while_writing_rolls_back_rows_already_written(db):
    """Rows 2 and 3 pass the checks; record_payment refuses row 3 (reference reused for
    another amount), so the payment written for row 2 must not survive."""
    case = create_case(dpd=20)
    number = case.account.loan_number
    result = import_payments(
        [
            {"loan_number": number, "reference": "PAY-1", "amount": "5000.00", "paid_at": an_hour_ago()},
            {"loan_number": number, "reference": "PAY-1", "amount": "10.00", "paid_at": an_hour_ago()},
        ]
    )
    assert [e.row_number for e in result.errors] == [3]
    assert "PAY-1" in result.errors[0].message
    assert Payment.objects.count() == 0
    case.refresh_from_db()
    assert case.state != CaseState.RESOLVED
    assert JobRun.objects.get(job="import_payments").status == JobRun.Status.FAILED


def test_failed_import_still_leaves_a_failed_job_run(db, administrator):
    result = import_accounts([{**WANG, "principal": "x"}], by=administrator, trigger="test")
    run = JobRun.objects.get(job="import_accounts")
    assert not result.ok
    assert run.status == JobRun.Status.FAILED and run.started_by == administrator and run.trigger == "test"
    assert "line 2, column principal" in run.error and run.counts["errors"] == 1
    assert run.finished_at is not None


def test_import_that_crashes_midway_writes_nothing_and_leaves_a_failed_job_run(db):
    case = create_case(dpd=20)
    rows = [{"loan_number": case.account.loan_number, "reference": "PAY-1", "amount": "10", "paid_at": an_hour_ago()}]
    with mock.patch("cases.services.record_payment", side_effect=RuntimeError("database went away")):
        with pytest.raises(RuntimeError):
            import_payments(rows)
    run = JobRun.objects.get(job="import_payments")
    assert run.status == JobRun.Status.FAILED and "database went away" in run.error
    assert Payment.objects.count() == 0


def test_successful_import_records_its_counts(db):
    import_accounts([WANG, SMITH])
    run = JobRun.objects.get(job="import_accounts")
    assert run.status == JobRun.Status.SUCCEEDED and run.counts["created"] == 2 and run.error == ""


# --- the management command ---------------------------------------------------------------


def test_command_imports_accounts_and_prints_counts(db, tmp_path):
    path = tmp_path / "accounts.csv"
    path.write_text(accounts_csv(WANG, SMITH), encoding="utf-8")
    out = io.StringIO()
    call_command("import_loans", str(path), stdout=out)
    assert "2 created, 0 updated" in out.getvalue()
    assert LoanAccount.objects.count() == 2


def test_command_prints_every_error_and_fails(db, tmp_path):
    path = tmp_path / "accounts.csv"
    path.write_text(accounts_csv(WANG, {**SMITH, "principal": "abc", "currency": "XXX"}), encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError, match="2 error"):
        call_command("import_loans", str(path), stderr=err)
    assert "line 3, column currency:" in err.getvalue() and "line 3, column principal:" in err.getvalue()
    assert LoanAccount.objects.count() == 0


def test_command_imports_payments(db, tmp_path):
    case = create_case(dpd=20)
    path = tmp_path / "payments.csv"
    path.write_text(payments_csv((case.account.loan_number, "PAY-9", "100.00", an_hour_ago())), encoding="utf-8")
    call_command("import_loans", "--payments", str(path), stdout=io.StringIO())
    assert Payment.objects.get().reference == "PAY-9"


# --- the admin page -------------------------------------------------------------------------

IMPORT_URL = "/imports/"


def test_administrator_uploads_a_good_file(db, eager_tasks, administrator):
    response = client_for(administrator).post(
        IMPORT_URL, {"kind": "accounts", "file": upload(accounts_csv(WANG, SMITH))}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:import_progress", args=[JobRun.objects.get().pk])
    assert set(LoanAccount.objects.values_list("loan_number", flat=True)) == {"L-1001", "L-1002"}
    assert JobRun.objects.get().trigger == "admin"


def test_administrator_uploads_a_bad_file_and_sees_the_line(db, eager_tasks, administrator):
    before = book_counts()
    client = client_for(administrator)
    response = client.post(
        IMPORT_URL,
        {"kind": "accounts", "file": upload(accounts_csv(WANG, {**SMITH, "principal": "1.234"}))},
        follow=True,
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "<td>3</td><td><code>principal</code></td>" in page
    assert "Nothing was imported" in page
    assert book_counts() == before


def test_upload_without_a_file_shows_the_form_again(db, administrator):
    response = client_for(administrator).post(IMPORT_URL, {"kind": "accounts"})
    assert response.status_code == 200 and "file" in response.context["form"].errors
    assert JobRun.objects.count() == 0


def test_collector_may_not_import(db, collector):
    client = client_for(collector)
    assert client.get(IMPORT_URL).status_code == 403
    response = client.post(IMPORT_URL, {"kind": "accounts", "file": upload(accounts_csv(WANG))})
    assert response.status_code == 403
    assert LoanAccount.objects.count() == 0


def test_import_link_on_the_account_list_only_for_who_may_import(db, administrator, supervisor):
    changelist = reverse("admin:cases_loanaccount_changelist")
    assert IMPORT_URL in client_for(administrator).get(changelist).content.decode()
    assert IMPORT_URL not in client_for(supervisor).get(changelist).content.decode()
