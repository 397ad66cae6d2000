"""The loan system in real time: an account upserted and a payment posted through the same
checks and writes as the loan feed's files (cases/imports), inside the API call's own
transaction — so when the answer says a case was resolved, no message of it can leave
any more (the payoff's suppression committed with the payment)."""

from __future__ import annotations

from dataclasses import dataclass
import hashlib
import json

from django.db import IntegrityError, transaction

from cases import imports
from cases.models import CLOSED_STATES, CaseState, CollectionCase, Hold, LoanAccount, Payment
from contacts.models import OutboundMessage

from .models import ApiClient, IdempotentRequest


class FeedRefused(Exception):
    """The record was refused; nothing was written. ``problems`` are the importer's RowErrors."""

    def __init__(self, problems):
        super().__init__(problems)
        self.problems = problems

    @property
    def is_conflict(self) -> bool:
        return any(problem.code == "conflict" for problem in self.problems)


def _case_summary(case: CollectionCase | None) -> dict | None:
    if case is None:
        return None
    return {"id": case.pk, "state": case.state, "contact_stopped": case.state in CLOSED_STATES}


def _open_case(account_id: int) -> CollectionCase | None:
    return CollectionCase.objects.filter(account_id=account_id).exclude(state__in=CLOSED_STATES).first()


def upsert_account(loan_number: str, values: dict, *, client: ApiClient) -> dict:
    """Create or update one account; an overdue one gets its case at once."""
    before = LoanAccount.objects.filter(loan_number=loan_number).values_list("pk", flat=True).first()
    had_case = before is not None and _open_case(before) is not None
    outcome, problems = imports.upsert_account(
        {**values, "loan_number": loan_number}, source=f"integration API ({client.name})"
    )
    if problems:
        raise FeedRefused(problems)
    account = LoanAccount.objects.get(loan_number=loan_number)
    case = _open_case(account.pk)
    return {
        "outcome": outcome,
        "loan_number": loan_number,
        "case_opened": case is not None and not had_case,
        "case": _case_summary(case),
    }


def read_account(loan_number: str) -> dict | None:
    account = LoanAccount.objects.filter(loan_number=loan_number).first()
    if account is None:
        return None
    case = CollectionCase.objects.filter(account=account).order_by("-opened_at").first()
    return {
        "loan_number": account.loan_number,
        "outstanding": {"amount": account.outstanding_total, "currency": account.currency},
        "days_past_due": account.days_past_due,
        "case": _case_summary(case),
        "on_hold": case is not None and Hold.objects.active().filter(case=case).exists(),
    }


def post_payment(values: dict) -> tuple[bool, dict]:
    """Record one payment; returns (created, answer). A payment that clears the balance
    resolves the case and stops its scheduled messages before this returns."""
    loan_number = str(values.get("loan_number", "")).strip()
    open_case = CollectionCase.objects.filter(account__loan_number=loan_number).exclude(state__in=CLOSED_STATES).first()
    scheduled_before = (
        OutboundMessage.objects.filter(case=open_case, state=OutboundMessage.State.SCHEDULED).count()
        if open_case is not None
        else 0
    )
    outcome, problems = imports.post_payment(values)
    if problems:
        raise FeedRefused(problems)
    payment = Payment.objects.select_related("account").get(reference=str(values["reference"]).strip())
    account = payment.account
    case = CollectionCase.objects.get(pk=open_case.pk) if open_case is not None else _open_case(account.pk)
    resolved = outcome == "created" and open_case is not None and case.state == CaseState.RESOLVED
    suppressed = (
        scheduled_before - OutboundMessage.objects.filter(case=open_case, state=OutboundMessage.State.SCHEDULED).count()
        if resolved
        else 0
    )
    return outcome == "created", {
        "outcome": outcome,
        "reference": payment.reference,
        "loan_number": account.loan_number,
        "payment": {"amount": payment.amount, "currency": payment.currency},
        "paid_at": payment.paid_at,
        "applied": {
            "fees": payment.applied_fees,
            "interest": payment.applied_interest,
            "principal": payment.applied_principal,
            "unapplied": payment.unapplied,
        },
        "outstanding": {"amount": account.outstanding_total, "currency": account.currency},
        "case": _case_summary(case),
        "case_resolved": resolved,
        "messages_suppressed": suppressed,
    }


# --- Idempotency-Key -------------------------------------------------------------------------


@dataclass(frozen=True)
class Replay:
    status: int
    body: dict


class KeyReused(Exception):
    """The same Idempotency-Key came with another request."""


def fingerprint(method: str, path: str, data) -> str:
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{method} {path}\n{canonical}".encode()).hexdigest()


def claim(client: ApiClient, key: str, print_: str) -> Replay | None:
    """Inside the request's transaction: the stored answer to replay, or None when this
    request is the first with ``key`` (its row is then held until the transaction ends, so
    a concurrent copy waits here and then replays this one's answer)."""
    placeholder = IdempotentRequest(client=client, key=key, fingerprint=print_, status=0, response={})
    try:
        with transaction.atomic():
            placeholder.save()
        return None
    except IntegrityError:
        stored = IdempotentRequest.objects.get(client=client, key=key)
    if stored.fingerprint != print_:
        raise KeyReused()
    return Replay(stored.status, stored.response)


def remember(client: ApiClient, key: str, status: int, body: dict) -> None:
    IdempotentRequest.objects.filter(client=client, key=key).update(
        status=status, response=json.loads(json.dumps(body, default=str))
    )
