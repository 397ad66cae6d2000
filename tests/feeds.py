"""Loan-feed files for the import tests: two borrowers' rows and the CSV they make."""

from django.core.files.uploadedfile import SimpleUploadedFile

from cases.imports import ACCOUNT_COLUMNS

WANG = {
    "loan_number": "L-1001",
    "borrower_name": "王伟",
    "national_id": "110101199003070011",
    "date_of_birth": "1990-03-07",
    "phone": "138 1234 5678",
    "email": "Wang.Wei@Example.com",
    "postal_address": "1 Chang'an Ave, Beijing",
    "home_time_zone": "Asia/Shanghai",
    "language": "zh-hans",
    "policy_profile_code": "CN",
    "region": "Beijing",
    "product": "Consumer loan",
    "currency": "CNY",
    "principal": "10000.00",
    "outstanding_principal": "8000.00",
    "outstanding_interest": "120.50",
    "outstanding_fees": "30",
    "oldest_unpaid_due_date": "2026-10-01",
    "last_acknowledged_on": "2026-09-15",
}
SMITH = {
    "loan_number": "L-1002",
    "borrower_name": "John Smith",
    "phone": "(212) 555-0100",
    "language": "en",
    "policy_profile_code": "US-REGF",
    "product": "Card",
    "currency": "USD",
    "principal": "500",
    "outstanding_principal": "500",
}


def accounts_csv(*rows, columns=ACCOUNT_COLUMNS) -> str:
    lines = [",".join(columns)]
    lines += [",".join(_quoted(row.get(column, "")) for column in columns) for row in rows]
    return "\n".join(lines) + "\n"


def payments_csv(*rows) -> str:
    return "loan_number,reference,amount,paid_at\n" + "".join(",".join(row) + "\n" for row in rows)


def _quoted(value: str) -> str:
    return f'"{value}"' if "," in value else value


def upload(text: str, name="feed.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")
