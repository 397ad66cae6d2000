"""
Writing one checked chunk of account records, set-based: a handful of statements per
chunk whatever its size — the accounts and borrowers it names read and locked at once
(in primary-key order, so two imports cannot deadlock), new rows bulk-created, changed
rows bulk-updated, and one history row per row written, queued for the audit ledger.

A row whose values the model refuses is reported on its line and nothing of the chunk is
written (the import then rolls the whole file back); so is a chunk the database refuses
(another import created the same loan a moment before).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.ledger import ledger_append_many

from ..event_text import EventCode
from ..jobs import open_cases_for_delinquent_accounts
from ..models import Borrower, ContactPoint, LoanAccount
from ..signals import consent_imported
from .records import _validation_message
from .results import RowError
from .run import CHANGE_REASON

BORROWER_FEED_FIELDS = ["full_name", "policy_profile_code", "home_time_zone", "language", "national_id"]
# Account fields a row sets other than by copying a cell: the days past due, and the last
# payment or acknowledgement (only ever moved forward).
DERIVED_FIELDS = ["days_past_due", "last_acknowledged_on"]


def write_accounts(rows: list, by, source: str = "loan feed") -> tuple[dict[str, int], list[RowError]]:
    """Upsert a chunk of checked account rows; returns ({outcome: count}, refusals).
    ``source`` names the file, for the evidence of the consents its rows grant."""
    if not rows:
        return {}, []
    try:
        with transaction.atomic():
            return _write(rows, by, source)
    except _Refused as refused:
        return {}, refused.errors
    except IntegrityError as error:
        lines = f"lines {rows[0].line}–{rows[-1].line}" if len(rows) > 1 else f"line {rows[0].line}"
        return {}, [RowError(rows[0].line, "", "database_refused", {"lines": lines, "detail": str(error)})]


def _write(rows: list, by, source: str) -> tuple[dict[str, int], list[RowError]]:
    accounts = {
        account.loan_number: account
        for account in LoanAccount.objects.select_for_update()
        .select_related("borrower")
        .filter(loan_number__in=[row.loan_number for row in rows])
        .order_by("pk")
    }
    borrowers = _Borrowers(accounts, rows)
    refusals, chosen = [], []
    for row in rows:
        borrower = borrowers.for_row(row, accounts.get(row.loan_number))
        chosen.append(borrower)
        refusals += _cleaned(borrower, row.line, exclude=["created_at"])
    if refusals:
        raise _Refused(refusals)
    borrowers.save(by)
    points = _new_contact_points(rows, chosen)
    new_accounts, changed_accounts = [], []
    today = timezone.localdate()
    for row, borrower in zip(rows, chosen, strict=True):
        account = accounts.get(row.loan_number)
        if account is None:
            account = LoanAccount(loan_number=row.loan_number, borrower=borrower)
            new_accounts.append(account)
        else:
            changed_accounts.append((account, _values(account, [*row.account, *DERIVED_FIELDS])))
        for name, value in row.account.items():
            setattr(account, name, value)
        if row.acknowledged_on and (
            account.last_acknowledged_on is None or row.acknowledged_on > account.last_acknowledged_on
        ):
            account.last_acknowledged_on = row.acknowledged_on
        account.days_past_due = account.days_past_due_on(today)  # what LoanAccount.save() does
        refusals += _cleaned(account, row.line, exclude=["borrower"])
    if refusals:
        raise _Refused(refusals)
    changed = [account for account, before in changed_accounts if _values(account, before) != before]
    LoanAccount.objects.bulk_create(new_accounts, batch_size=1000)
    LoanAccount.objects.bulk_update(changed, [*rows[0].account, *DERIVED_FIELDS], batch_size=1000)
    ContactPoint.objects.bulk_create(points, batch_size=1000)
    history = [
        *LoanAccount.history.bulk_history_create(new_accounts, default_user=by, default_change_reason=CHANGE_REASON),
        *LoanAccount.history.bulk_history_create(
            changed, update=True, default_user=by, default_change_reason=CHANGE_REASON
        ),
        *ContactPoint.history.bulk_history_create(points, default_user=by, default_change_reason=CHANGE_REASON),
    ]
    ledger_append_many(history)
    _announce_consents(rows, chosen, by, source)
    # An overdue account gets its case now, not at the next night: from this moment the
    # desk sees it and the engine judges contact with it (the same set-based opening).
    open_cases_for_delinquent_accounts(
        timezone.now(),
        among=[account.pk for account in new_accounts] + [a.pk for a in changed],
        code=EventCode.OPENED_BY_FEED,
    )
    return {"created": len(new_accounts), "updated": len(changed_accounts)}, []


def _announce_consents(rows: list, chosen: list[Borrower], by, source: str) -> None:
    """The rows that say the borrower consented to electronic messages: their phone and
    e-mail, found in one query, announced for the contacts app to record."""
    wanted = {}
    for row, borrower in zip(rows, chosen, strict=True):
        if row.electronic_consent:
            for kind, value, _zone in row.contact_points:
                if kind in (ContactPoint.Kind.PHONE, ContactPoint.Kind.EMAIL):
                    wanted.setdefault((borrower.pk, kind, value), f"{source}, line {row.line}")
    if not wanted:
        return
    borrower_ids = {borrower_id for borrower_id, _kind, _value in wanted}
    points = ContactPoint.objects.filter(borrower_id__in=borrower_ids, kind__in=["phone", "email"])
    grants = [
        (p, wanted[(p.borrower_id, p.kind, p.value)]) for p in points if (p.borrower_id, p.kind, p.value) in wanted
    ]
    consent_imported.send(sender=write_accounts, grants=grants, by=by)


class _Refused(Exception):
    def __init__(self, errors):
        super().__init__()
        self.errors = errors


def _values(instance, names) -> dict:
    return {name: getattr(instance, name) for name in names}


def _cleaned(instance, line: int, *, exclude) -> list[RowError]:
    """The model's own field checks (uniqueness is the database's and the file check's)."""
    try:
        instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        return [RowError(line, "", "detail", {"detail": _validation_message(error)})]
    return []


class _Borrowers:
    """The chunk's borrowers: an account's own, else the one with the row's national ID,
    else a new one — one object per person, however many of the chunk's loans are theirs."""

    def __init__(self, accounts: dict, rows: list):
        self.by_pk = {}
        for account in accounts.values():
            account.borrower = self.by_pk.setdefault(account.borrower_id, account.borrower)
        wanted = {row.national_id for row in rows if row.national_id and row.loan_number not in accounts}
        self.by_national_id = {
            borrower.national_id: self.by_pk.setdefault(borrower.pk, borrower)
            for borrower in Borrower.objects.select_for_update().filter(national_id__in=wanted).order_by("pk")
        }
        self.new: list[Borrower] = []
        self.before = {pk: _values(borrower, BORROWER_FEED_FIELDS) for pk, borrower in self.by_pk.items()}

    def for_row(self, row, account) -> Borrower:
        if account is not None:
            borrower = account.borrower
        elif row.national_id and row.national_id in self.by_national_id:
            borrower = self.by_national_id[row.national_id]
        else:
            borrower = Borrower()
            self.new.append(borrower)
            if row.national_id:
                self.by_national_id[row.national_id] = borrower
        _apply(borrower, row, is_new=borrower.pk is None)
        return borrower

    def save(self, by) -> None:
        changed = [b for pk, b in self.by_pk.items() if _values(b, BORROWER_FEED_FIELDS) != self.before[pk]]
        Borrower.objects.bulk_create(self.new, batch_size=1000)
        Borrower.objects.bulk_update(changed, BORROWER_FEED_FIELDS, batch_size=1000)
        ledger_append_many(
            [
                *Borrower.history.bulk_history_create(self.new, default_user=by, default_change_reason=CHANGE_REASON),
                *Borrower.history.bulk_history_create(
                    changed, update=True, default_user=by, default_change_reason=CHANGE_REASON
                ),
            ]
        )


def _apply(borrower: Borrower, row, *, is_new: bool) -> None:
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


def _new_contact_points(rows: list, chosen: list[Borrower]) -> list[ContactPoint]:
    """Each row's phone, email and address not already on file; the first of its kind a
    borrower has becomes the primary one."""
    known_ids = [borrower.pk for borrower in chosen]
    on_file = set(ContactPoint.objects.filter(borrower_id__in=known_ids).values_list("borrower_id", "kind", "value"))
    has_primary = set(
        ContactPoint.objects.filter(borrower_id__in=known_ids, is_primary=True).values_list("borrower_id", "kind")
    )
    points = []
    for row, borrower in zip(rows, chosen, strict=True):
        for kind, value, zone in row.contact_points:
            if (borrower.pk, kind, value) in on_file:
                continue
            on_file.add((borrower.pk, kind, value))
            first_of_kind = (borrower.pk, kind) not in has_primary
            has_primary.add((borrower.pk, kind))
            latitude, longitude = (
                row.address_position if kind == ContactPoint.Kind.POSTAL and row.address_position else (None, None)
            )
            points.append(
                ContactPoint(
                    borrower=borrower,
                    kind=kind,
                    value=value,
                    time_zone=zone,
                    is_primary=first_of_kind,
                    latitude=latitude,
                    longitude=longitude,
                )
            )
    return points
