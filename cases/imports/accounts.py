"""
Importing accounts: each record checked (its cells, then against the stored book: an
account keeps its currency and its borrower), then written as an upsert by loan number
with its borrower (matched by national ID) and any contact point not already on file.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from core.validators import validate_time_zone
from policy.codes import ProfileCode

from ..models import PROFILE_PHONE_REGION, Borrower, ContactPoint, Currency, Language, LoanAccount, normalise_phone
from .records import _max_length, _Record, _records, _validation_message
from .results import ImportResult, RowError
from .run import _run, _stamp

ACCOUNT_COLUMNS = (
    "loan_number",
    "borrower_name",
    "national_id",
    "date_of_birth",
    "phone",
    "email",
    "postal_address",
    "home_time_zone",
    "language",
    "policy_profile_code",
    "region",
    "product",
    "currency",
    "principal",
    "outstanding_principal",
    "outstanding_interest",
    "outstanding_fees",
    "oldest_unpaid_due_date",
)
ACCOUNT_REQUIRED = (
    "loan_number",
    "borrower_name",
    "product",
    "currency",
    "principal",
    "outstanding_principal",
    "policy_profile_code",
)


@dataclass
class _AccountRow:
    line: int
    loan_number: str
    national_id: str
    borrower: dict
    account: dict
    contact_points: list[tuple[str, str, str]]  # (kind, value, suggested zone)


def import_accounts(rows: Iterable[dict], *, by=None, trigger: str = "command") -> ImportResult:
    """Upsert accounts by loan_number, with their borrower (matched by national_id)
    and any phone, email or postal address not already on file."""
    return _run("import_accounts", rows, _check_account_rows, _write_account, by=by, trigger=trigger)


def _check_account_rows(rows: Iterable[dict]) -> tuple[list[_AccountRow], list[RowError], int]:
    checked, errors, first_line_of = [], [], {}
    count = 0
    for record in _records(rows):
        count += 1
        parsed = _check_account(record)
        number = parsed.loan_number
        if number in first_line_of:
            record.error("loan_number", f"{number} already appears on line {first_line_of[number]} of this file.")
        elif number:
            first_line_of[number] = record.line
        errors += record.errors
        checked.append(parsed)
    return checked, errors, count


def _check_account(record: _Record) -> _AccountRow:
    loan_number = record.text("loan_number", required=True, max_length=_max_length(LoanAccount, "loan_number"))
    national_id = record.text("national_id", max_length=_max_length(Borrower, "national_id"))
    profile = record.choice("policy_profile_code", ProfileCode.values, required=True, normalise=str.upper)
    region = record.text("region", max_length=_max_length(LoanAccount, "region"))
    borrower = {
        "full_name": record.text("borrower_name", required=True, max_length=_max_length(Borrower, "full_name")),
        "date_of_birth": record.date("date_of_birth"),
        "home_time_zone": _checked_zone(record),
        "language": record.choice("language", Language.values, normalise=str.lower),
        "policy_profile_code": profile,
        "region": region,
    }
    account = {
        "product": record.text("product", required=True, max_length=_max_length(LoanAccount, "product")),
        "currency": record.choice("currency", Currency.values, required=True, normalise=str.upper),
        "principal": record.money("principal", required=True),
        "outstanding_principal": record.money("outstanding_principal", required=True),
        "outstanding_interest": record.money("outstanding_interest"),
        "outstanding_fees": record.money("outstanding_fees"),
        "oldest_unpaid_due_date": record.date("oldest_unpaid_due_date"),
        "region": region,
    }
    _check_principal(record, account["principal"], account["outstanding_principal"])
    parsed = _AccountRow(
        line=record.line,
        loan_number=loan_number,
        national_id=national_id,
        borrower=borrower,
        account=account,
        contact_points=_checked_contact_points(record, PROFILE_PHONE_REGION.get(profile, "CN")),
    )
    _check_against_book(record, parsed)
    return parsed


def _check_principal(record: _Record, principal: Decimal | None, outstanding: Decimal | None) -> None:
    if principal is not None and outstanding is not None and outstanding > principal:
        record.error("outstanding_principal", f"{outstanding} is more than the principal {principal}.")


def _checked_zone(record: _Record) -> str:
    zone = record.text("home_time_zone")
    try:
        validate_time_zone(zone)
    except ValidationError as error:
        record.error("home_time_zone", _validation_message(error))
    return zone


def _checked_contact_points(record: _Record, phone_region: str) -> list[tuple[str, str, str]]:
    points = []
    longest = _max_length(ContactPoint, "value")
    if phone := record.text("phone"):
        try:
            points.append((ContactPoint.Kind.PHONE, *normalise_phone(phone, phone_region)))
        except ValidationError as error:
            record.error("phone", _validation_message(error))
    if email := record.text("email", max_length=longest).lower():
        try:
            validate_email(email)
            points.append((ContactPoint.Kind.EMAIL, email, ""))
        except ValidationError:
            record.error("email", f"{email!r} is not a valid email address.")
    if postal := record.text("postal_address", max_length=longest):
        points.append((ContactPoint.Kind.POSTAL, postal, ""))
    return points


def _check_against_book(record: _Record, parsed: _AccountRow) -> None:
    """What only the stored book can tell: an account's currency never changes, and
    the feed does not move a loan to another person."""
    existing = LoanAccount.objects.select_related("borrower").filter(loan_number=parsed.loan_number).first()
    if existing is None:
        return
    currency = parsed.account["currency"]
    if currency and currency != existing.currency:
        record.error(
            "currency", f"{parsed.loan_number} is kept in {existing.currency}; the feed cannot change it to {currency}."
        )
    on_file = existing.borrower.national_id
    if not parsed.national_id or parsed.national_id == on_file:
        return
    if on_file or Borrower.objects.filter(national_id=parsed.national_id).exists():
        record.error(
            "national_id",
            f"{parsed.loan_number} belongs to another borrower than the one with this "
            "national ID; correct the borrower in the admin, not through the feed.",
        )


def _write_account(row: _AccountRow, by) -> str:
    account = LoanAccount.objects.select_for_update().filter(loan_number=row.loan_number).first()
    borrower = _save_borrower(row, account, by)
    for kind, value, zone in row.contact_points:
        _add_contact_point(borrower, kind, value, zone, by)
    created = account is None
    account = account or LoanAccount(loan_number=row.loan_number, borrower=borrower)
    for name, value in row.account.items():
        setattr(account, name, value)
    _stamp(account, by)
    account.full_clean()
    account.save()
    return "created" if created else "updated"


def _save_borrower(row: _AccountRow, account: LoanAccount | None, by) -> Borrower:
    """The account's borrower, else the one with this national ID, else a new one."""
    if account is not None:
        borrower = account.borrower
    elif row.national_id:
        borrower = Borrower.objects.filter(national_id=row.national_id).first() or Borrower()
    else:
        borrower = Borrower()
    is_new = borrower.pk is None
    details = row.borrower
    borrower.full_name = details["full_name"]
    borrower.policy_profile_code = details["policy_profile_code"]
    # A blank cell means "not in the feed", not "forget what we know".
    for name in ("home_time_zone", "language"):
        if details[name]:
            setattr(borrower, name, details[name])
    if row.national_id and not borrower.national_id:
        borrower.national_id = row.national_id
    if is_new:
        borrower.date_of_birth = details["date_of_birth"]
        borrower.region = details["region"]
    _stamp(borrower, by)
    borrower.full_clean()
    borrower.save()
    return borrower


def _add_contact_point(borrower: Borrower, kind: str, value: str, zone: str, by) -> None:
    if ContactPoint.objects.filter(borrower=borrower, kind=kind, value=value).exists():
        return
    first_of_kind = not ContactPoint.objects.filter(borrower=borrower, kind=kind, is_primary=True).exists()
    point = ContactPoint(borrower=borrower, kind=kind, value=value, time_zone=zone, is_primary=first_of_kind)
    _stamp(point, by)
    point.save()
