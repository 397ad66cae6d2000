"""
Importing accounts: each record checked (its cells, then against the stored book: an
account keeps its currency and its borrower), then written as an upsert by loan number
with its borrower (matched by national ID) and any contact point not already on file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from core.validators import validate_time_zone
from policy.codes import ProfileCode
from policy.selectors import current_profiles_by_code

from ..models import PROFILE_PHONE_REGION, Borrower, ContactPoint, Currency, Language, LoanAccount, normalise_phone
from .account_writes import write_accounts
from .records import _max_length, _Record
from .results import ImportResult, RowError
from .run import _apply_one, _run

ACCOUNT_COLUMNS = (
    "loan_number",
    "borrower_name",
    "national_id",
    "date_of_birth",
    "phone",
    "email",
    "postal_address",
    # Optional: the address's position in decimal degrees (WGS 84), both or neither, when
    # the lender's system has geocoded it; a field visit's check-in is measured against it.
    "address_latitude",
    "address_longitude",
    # Optional: the borrower consented in the loan contract to messages at the row's phone
    # and e-mail (yes/no; blank: the feed does not say). CN and US-NYC need it for SMS/e-mail.
    "electronic_consent",
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
    # The last payment or acknowledgement of the debt the lender's system knows of: the
    # limitation period runs from it (optional; an older date than ours changes nothing).
    "last_acknowledged_on",
)
CONSENT_ANSWERS = {"yes": True, "y": True, "true": True, "1": True, "no": False, "n": False, "false": False, "0": False}
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
    acknowledged_on: object = None  # date | None: not part of ``account``, as it never moves back
    electronic_consent: bool = False
    address_position: tuple[Decimal, Decimal] | None = None  # the postal address's (latitude, longitude)


def import_accounts(
    rows: Iterable[dict] | Callable[[], Iterable[dict]],
    *,
    by=None,
    trigger: str = "command",
    run=None,
    progress=None,
) -> ImportResult:
    """Upsert accounts by loan_number, with their borrower (matched by national_id)
    and any phone, email or postal address not already on file. ``rows`` is a list of
    records or a callable giving a fresh pass over a streamed file."""
    source = rows if callable(rows) else (lambda: rows)
    # The consents a row grants name the file and line they came from (their evidence).
    file_name = (run.details.get("file") if run is not None else "") or "loan feed"

    def write(parsed, by):
        return write_accounts(parsed, by, source=file_name)

    return _run("import_accounts", source, _AccountChecker, write, by=by, trigger=trigger, run=run, progress=progress)


def upsert_account(values: dict, *, source: str) -> tuple[str, list[RowError]]:
    """One account from the lender's system in real time (the integration API): checked and
    written exactly as a line of the accounts file — borrower, contact points, consents and,
    when overdue, its case opened — in the caller's transaction. ``source`` names the caller,
    for the evidence of the consents it reports. Returns ("created" | "updated", []) or
    ("", problems) with nothing written."""

    def write(parsed, by):
        return write_accounts(parsed, by, source=source)

    return _apply_one(values, _AccountChecker, write, by=None)


class _AccountChecker:
    """Checks a file's account records chunk by chunk, remembering only the loan numbers
    already seen (a loan twice in one file is refused)."""

    def __init__(self):
        self.first_line_of: dict[str, int] = {}

    def check(self, records: list[_Record]) -> list[_AccountRow]:
        parsed = [_check_account(record) for record in records]
        for record, row in zip(records, parsed, strict=True):
            number = row.loan_number
            if number in self.first_line_of:
                record.error("loan_number", "repeated_loan", loan_number=number, line=self.first_line_of[number])
            elif number:
                self.first_line_of[number] = record.line
        _check_against_book(records, parsed)
        return parsed


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
    _check_fee_cap(record, profile, account["currency"], account["outstanding_fees"])
    acknowledged_on = record.date("last_acknowledged_on")
    parsed = _AccountRow(
        line=record.line,
        loan_number=loan_number,
        national_id=national_id,
        borrower=borrower,
        account=account,
        contact_points=_checked_contact_points(record, PROFILE_PHONE_REGION.get(profile, "CN")),
        acknowledged_on=acknowledged_on,
        address_position=_checked_position(record),
        electronic_consent=CONSENT_ANSWERS.get(
            record.choice("electronic_consent", list(CONSENT_ANSWERS), normalise=str.lower), False
        ),
    )
    return parsed


def _check_fee_cap(record: _Record, profile_code: str, currency: str, fees: Decimal | None) -> None:
    """EU CCD2 art. 35: default charges within the borrower's profile's cap (an empty cap:
    as the contract says). The profiles are cached per process: no query per row."""
    profile = current_profiles_by_code().get(profile_code)
    if profile is None or profile.default_charge_cap is None or fees is None:
        return
    if fees > profile.default_charge_cap:
        record.error(
            "outstanding_fees",
            "fees_over_cap",
            fees=str(fees),
            cap=str(profile.default_charge_cap),
            currency=currency,
            profile=profile.label,
        )


def _check_principal(record: _Record, principal: Decimal | None, outstanding: Decimal | None) -> None:
    if principal is not None and outstanding is not None and outstanding > principal:
        record.error(
            "outstanding_principal", "more_than_principal", outstanding=str(outstanding), principal=str(principal)
        )


def _checked_zone(record: _Record) -> str:
    zone = record.text("home_time_zone")
    try:
        validate_time_zone(zone)
    except ValidationError:
        record.error("home_time_zone", "not_a_time_zone", value=zone)
    return zone


def _checked_contact_points(record: _Record, phone_region: str) -> list[tuple[str, str, str]]:
    points = []
    longest = _max_length(ContactPoint, "value")
    if phone := record.text("phone"):
        try:
            points.append((ContactPoint.Kind.PHONE, *normalise_phone(phone, phone_region)))
        except ValidationError:
            record.error("phone", "not_a_phone", value=phone, region=phone_region)
    if email := record.text("email", max_length=longest).lower():
        try:
            validate_email(email)
            points.append((ContactPoint.Kind.EMAIL, email, ""))
        except ValidationError:
            record.error("email", "not_an_email", value=email)
    if postal := record.text("postal_address", max_length=longest):
        points.append((ContactPoint.Kind.POSTAL, postal, ""))
    return points


def _checked_position(record: _Record) -> tuple[Decimal, Decimal] | None:
    """The postal address's latitude and longitude: both or neither, each within range."""
    given = {}
    for column, largest in (("address_latitude", 90), ("address_longitude", 180)):
        value = record.text(column)
        if not value:
            continue
        try:
            degrees = Decimal(value)
        except InvalidOperation:
            record.error(column, "not_degrees", value=value, largest=largest)
            continue
        if not degrees.is_finite() or abs(degrees) > largest:
            record.error(column, "not_degrees", value=value, largest=largest)
            continue
        given[column] = degrees.quantize(Decimal("0.000001"))
    if len(given) == 1:
        missing = "address_longitude" if "address_latitude" in given else "address_latitude"
        record.error(missing, "position_half")
        return None
    if given and not record.text("postal_address"):
        record.error("postal_address", "position_without_address")
        return None
    return (given["address_latitude"], given["address_longitude"]) if len(given) == 2 else None


def _check_against_book(records: list[_Record], parsed: list[_AccountRow]) -> None:
    """What only the stored book can tell, asked once per chunk: an account's currency
    never changes, and the feed does not move a loan to another person."""
    numbers = [row.loan_number for row in parsed if row.loan_number]
    on_file = {
        number: (currency, national_id)
        for number, currency, national_id in LoanAccount.objects.filter(loan_number__in=numbers).values_list(
            "loan_number", "currency", "borrower__national_id"
        )
    }
    asked = [row.national_id for row in parsed if row.national_id and row.loan_number in on_file]
    taken = set(Borrower.objects.filter(national_id__in=asked).values_list("national_id", flat=True))
    for record, row in zip(records, parsed, strict=True):
        if row.loan_number not in on_file:
            continue
        kept_currency, kept_national_id = on_file[row.loan_number]
        currency = row.account["currency"]
        if currency and currency != kept_currency:
            record.error(
                "currency", "currency_kept", loan_number=row.loan_number, kept=kept_currency, currency=currency
            )
        if not row.national_id or row.national_id == kept_national_id:
            continue
        if kept_national_id or row.national_id in taken:
            record.error("national_id", "other_borrower", loan_number=row.loan_number)
