"""
The loan feed import: accounts (with their borrowers and contact points) and payments,
from the lender's CSV files.

All or nothing. Every row is checked first and every problem is reported by line and
column; only a clean file is written, in one transaction. A refusal from a service
while writing (a payment reference already used for another amount, say) rolls the
whole file back too, so nothing is ever half-imported. Each run leaves a JobRun,
failed ones included, so operations can see what was tried and by whom.

Line numbers are spreadsheet row numbers: the header is line 1, the first record
line 2. Completely blank records are skipped but still counted.
"""
from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
import io
import re

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from policy.codes import ProfileCode

from . import services
from .exceptions import CaseServiceError
from core.models import JobRun
from core.validators import validate_time_zone
from .models import (
    PROFILE_PHONE_REGION, Borrower, ContactPoint, Currency, Language, LoanAccount, Payment, normalise_phone,
)

ACCOUNT_COLUMNS = (
    "loan_number", "borrower_name", "national_id", "date_of_birth", "phone", "email", "postal_address",
    "home_time_zone", "language", "policy_profile_code", "region", "product", "currency", "principal",
    "outstanding_principal", "outstanding_interest", "outstanding_fees", "oldest_unpaid_due_date",
)
ACCOUNT_REQUIRED = (
    "loan_number", "borrower_name", "product", "currency", "principal", "outstanding_principal",
    "policy_profile_code",
)
PAYMENT_COLUMNS = ("loan_number", "reference", "amount", "paid_at")
PAYMENT_REQUIRED = PAYMENT_COLUMNS

CHANGE_REASON = "loan feed import"
# DecimalField(max_digits=14, decimal_places=2): twelve digits before the point.
LARGEST_AMOUNT = Decimal("999999999999.99")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Key under which read_csv keeps cells beyond the header, so the row reports them.
EXTRA_CELLS = None


@dataclass(frozen=True)
class RowError:
    row_number: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"line {self.row_number}, field {self.field}" if self.field else f"line {self.row_number}"
        return f"{where}: {self.message}"


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    # Payments whose reference was already recorded: the repeat is ignored, as in the product.
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class InvalidCsv(Exception):
    """The file cannot be read as the expected CSV (encoding, header)."""

    def __init__(self, errors: list[RowError]):
        super().__init__("; ".join(str(error) for error in errors))
        self.errors = errors


class _WriteRefused(Exception):
    """Raised inside the import transaction so that it rolls back."""

    def __init__(self, errors: list[RowError]):
        super().__init__()
        self.errors = errors


# --- reading the file ---------------------------------------------------------------

def read_csv(file, *, columns: Iterable[str] = (), required: Iterable[str] = ()) -> list[dict]:
    """Rows of a text or binary CSV upload (UTF-8, with or without BOM) as dicts of
    stripped strings, one per record so a row's index gives its line number.

    Raises InvalidCsv when the file is not UTF-8, a ``required`` column is missing,
    or a column outside ``columns`` appears (a misspelt column would otherwise be read
    as blank and zero a balance).
    """
    text = _decoded(file.read())
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [name.strip() for name in next(reader, [])]
    _check_header(header, tuple(columns), tuple(required))
    rows = []
    for values in reader:
        values = [value.strip() for value in values]
        row = {name: (values[index] if index < len(values) else "") for index, name in enumerate(header) if name}
        if any(values[len(header):]):
            row[EXTRA_CELLS] = values[len(header):]
        rows.append(row)
    return rows


def _decoded(data) -> str:
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise InvalidCsv([RowError(line, "", "The file is not UTF-8 text; save it as 'CSV UTF-8' and try again.")])


def _check_header(header: list[str], columns: tuple[str, ...], required: tuple[str, ...]) -> None:
    errors = [RowError(1, name, "Required column is missing from the header.") for name in required
              if name not in header]
    if columns:
        # Blank header cells are tolerated: spreadsheets often export a trailing comma.
        errors += [RowError(1, name, f"Unknown column {name!r}; expected some of: {', '.join(columns)}.")
                   for name in header if name and name not in columns]
    errors += [RowError(1, name, "Column appears twice in the header.")
               for name in sorted({name for name in header if name and header.count(name) > 1})]
    if errors:
        raise InvalidCsv(errors)


def import_csv(file, kind: str, *, by=None, trigger: str = "command") -> ImportResult:
    """Read ``file`` and import it as ``kind`` ("accounts" or "payments"); a file that
    cannot be read is a failed run like any other."""
    job, columns, required, importer = {
        "accounts": ("import_accounts", ACCOUNT_COLUMNS, ACCOUNT_REQUIRED, import_accounts),
        "payments": ("import_payments", PAYMENT_COLUMNS, PAYMENT_REQUIRED, import_payments),
    }[kind]
    try:
        rows = read_csv(file, columns=columns, required=required)
    except InvalidCsv as invalid:
        result = ImportResult(errors=invalid.errors)
        _record_run(job, result, by=by, trigger=trigger, rows=0, started_at=timezone.now())
        return result
    return importer(rows, by=by, trigger=trigger)


# --- checking one record --------------------------------------------------------------

class _Record:
    """One CSV record being checked: reads its values by column, collects what is wrong."""

    def __init__(self, line: int, values: dict):
        self.line = line
        self.values = values
        self.errors: list[RowError] = []

    def error(self, column: str, message: str) -> None:
        self.errors.append(RowError(self.line, column, message))

    def text(self, column: str, *, required: bool = False, max_length: int | None = None) -> str:
        value = (self.values.get(column) or "").strip()
        if "\x00" in value:
            # PostgreSQL cannot store it; refuse the cell rather than fail the whole write.
            self.error(column, "Contains a NUL character; remove it and try again.")
            return ""
        if required and not value:
            self.error(column, "Required; this cell is empty.")
        elif max_length and len(value) > max_length:
            self.error(column, f"At most {max_length} characters (this has {len(value)}).")
        return value

    def choice(self, column: str, choices: list[str], *, required: bool = False, normalise=str) -> str:
        value = normalise(self.text(column, required=required))
        if value and value not in choices:
            self.error(column, f"{value!r} is not one of {', '.join(choices)}.")
        return value

    def money(self, column: str, *, required: bool = False) -> Decimal | None:
        raw = self.text(column, required=required)
        if not raw:
            return None if required else Decimal("0.00")
        try:
            value = Decimal(raw)
        except InvalidOperation:
            value = None
        if value is None or not value.is_finite():
            self.error(column, f"{raw!r} is not an amount; write it like 1234.50 (no separators or currency).")
        elif value < 0:
            self.error(column, f"{raw} is negative; amounts must be 0 or more.")
        elif value > LARGEST_AMOUNT:
            # Before quantize(), which cannot hold more than the context's 28 digits.
            self.error(column, f"{raw} is larger than the largest amount stored ({LARGEST_AMOUNT}).")
        elif value != value.quantize(Decimal("0.01")):
            self.error(column, f"{raw} has more than two decimal places.")
        else:
            return value.quantize(Decimal("0.01"))
        return None

    def date(self, column: str) -> date | None:
        raw = self.text(column)
        if not raw:
            return None
        try:
            if ISO_DATE.match(raw):
                return date.fromisoformat(raw)
        except ValueError:
            pass
        self.error(column, f"{raw!r} is not a date written YYYY-MM-DD.")
        return None

    def aware_datetime(self, column: str) -> datetime | None:
        raw = self.text(column, required=True)
        try:
            value = datetime.fromisoformat(raw) if raw else None
        except ValueError:
            self.error(column, f"{raw!r} is not an ISO 8601 timestamp such as 2026-11-20T10:15:00+08:00.")
            return None
        if value is not None and timezone.is_naive(value):
            # A naive time is ambiguous across the lender's and the borrowers' zones.
            self.error(column, f"{raw!r} has no UTC offset; give the offset, e.g. {raw}+08:00.")
            return None
        return value


def _records(rows: Iterable[dict]):
    for line, values in enumerate(rows, start=2):
        values = dict(values)
        extra = values.pop(EXTRA_CELLS, None)
        if not (extra or any((value or "").strip() for value in values.values())):
            continue
        record = _Record(line, values)
        if extra:
            # Usually an unquoted comma inside a value (1,000.00), which shifts every cell after it.
            record.error("", f"{len(extra)} more cell(s) than the header has columns; quote values that "
                             "contain commas and write amounts without thousands separators.")
        yield record


def _max_length(model, field_name: str) -> int:
    return model._meta.get_field(field_name).max_length


def _validation_message(error: ValidationError) -> str:
    return " ".join(error.messages)


# --- accounts -------------------------------------------------------------------------

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
        line=record.line, loan_number=loan_number, national_id=national_id, borrower=borrower, account=account,
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
        record.error("currency", f"{parsed.loan_number} is kept in {existing.currency}; the feed cannot change it "
                                 f"to {currency}.")
    on_file = existing.borrower.national_id
    if not parsed.national_id or parsed.national_id == on_file:
        return
    if on_file or Borrower.objects.filter(national_id=parsed.national_id).exists():
        record.error("national_id", f"{parsed.loan_number} belongs to another borrower than the one with this "
                                    "national ID; correct the borrower in the admin, not through the feed.")


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


# --- payments -------------------------------------------------------------------------

@dataclass
class _PaymentRow:
    line: int
    account: LoanAccount | None
    reference: str
    amount: Decimal | None
    paid_at: datetime | None


def import_payments(rows: Iterable[dict], *, by=None, trigger: str = "command") -> ImportResult:
    """Record each payment through ``services.record_payment``, so repeats are ignored
    and a payment that clears the balance resolves the case, exactly as in the product."""
    return _run("import_payments", rows, _check_payment_rows, _write_payment, by=by, trigger=trigger)


def _check_payment_rows(rows: Iterable[dict]) -> tuple[list[_PaymentRow], list[RowError], int]:
    checked, errors = [], []
    for record in _records(rows):
        checked.append(_check_payment(record))
        errors += record.errors
    return checked, errors, len(checked)


def _check_payment(record: _Record) -> _PaymentRow:
    loan_number = record.text("loan_number", required=True)
    account = LoanAccount.objects.filter(loan_number=loan_number).first() if loan_number else None
    if loan_number and account is None:
        record.error("loan_number", f"No account has loan number {loan_number}.")
    amount = record.money("amount", required=True)
    if amount == 0:
        record.error("amount", "A payment amount must be more than 0.")
    return _PaymentRow(
        line=record.line, account=account, amount=amount, paid_at=record.aware_datetime("paid_at"),
        reference=record.text("reference", required=True, max_length=_max_length(Payment, "reference")),
    )


def _write_payment(row: _PaymentRow, by) -> str:
    already_recorded = Payment.objects.filter(reference=row.reference).exists()
    # by=None: the lender's system is the payer's witness; who ran the import is on the JobRun.
    services.record_payment(row.account, row.amount, row.paid_at, row.reference, by=None,
                            source=Payment.Source.FEED)
    return "unchanged" if already_recorded else "created"


# --- the all-or-nothing frame -----------------------------------------------------------

def _run(job: str, rows, check, write, *, by, trigger: str) -> ImportResult:
    started_at = timezone.now()
    checked, errors, count = check(rows)
    result = ImportResult(errors=errors)
    if not errors:
        try:
            with transaction.atomic():
                _write_all(checked, write, result, by)
        except _WriteRefused as refused:
            result = ImportResult(errors=refused.errors)
        except Exception as crash:
            _record_run(job, ImportResult(), by=by, trigger=trigger, rows=count, started_at=started_at,
                        error=f"Nothing imported: the import stopped on {crash!r}"[:1000])
            raise
    # Outside the import transaction, so a rolled-back import still leaves its record.
    _record_run(job, result, by=by, trigger=trigger, rows=count, started_at=started_at)
    return result


def _write_all(checked: list, write, result: ImportResult, by) -> None:
    """Write every row, each in a savepoint so one refusal does not hide the next;
    any refusal at all rolls the whole file back."""
    refusals = []
    for row in checked:
        try:
            with transaction.atomic():
                outcome = write(row, by)
        except (CaseServiceError, ValidationError, IntegrityError) as refusal:
            message = _validation_message(refusal) if isinstance(refusal, ValidationError) else str(refusal)
            refusals.append(RowError(row.line, "", message))
            continue
        setattr(result, outcome, getattr(result, outcome) + 1)
    if refusals:
        raise _WriteRefused(refusals)


def _record_run(job: str, result: ImportResult, *, by, trigger: str, rows: int, started_at,
                error: str = "") -> JobRun:
    counts = {"rows": rows, "created": result.created, "updated": result.updated,
              "unchanged": result.unchanged, "errors": len(result.errors)}
    if result.errors:
        error = f"Nothing imported: {len(result.errors)} error(s); first: {result.errors[0]}"[:1000]
    return JobRun.objects.create(
        job=job, trigger=trigger, started_at=started_at, finished_at=timezone.now(), counts=counts,
        status=JobRun.Status.FAILED if error else JobRun.Status.SUCCEEDED, error=error, started_by=by,
    )


def _stamp(instance, by) -> None:
    """Who and why, for the history row the next save() writes."""
    instance._history_user = by
    instance._change_reason = CHANGE_REASON
