"""
Recording a payment: applied to fees, then interest, then principal; idempotent by its
external reference; the promises it covers kept, and a case whose balance it clears
resolved, in the same transaction.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.ledger import audited_atomic

from ..event_text import EventCode
from ..exceptions import InvalidPayment, PaymentConflict
from ..models import CLOSED_STATES, CaseEvent, CaseState, CollectionCase, LoanAccount, Payment, PromiseToPay
from .access import _require, _stamp
from .case import apply_transition


def _as_money(amount) -> Decimal:
    try:
        value = Decimal(str(amount))
    except (InvalidOperation, ValueError):
        raise InvalidPayment(_("%(amount)r is not an amount of money.") % {"amount": amount}) from None
    if value != value.quantize(Decimal("0.01")):
        raise InvalidPayment(_("%(value)s has more than two decimal places.") % {"value": value})
    return value


@audited_atomic
def record_payment(
    account: LoanAccount,
    amount,
    paid_at: datetime,
    reference: str,
    *,
    by=None,
    source: str = Payment.Source.FEED,
    currency: str | None = None,
) -> Payment:
    """Apply a payment to the account: fees, then interest, then principal.

    Idempotent by ``reference``: the same payment arriving twice is recorded once (the
    first record is returned); the same reference with other details is a conflict.
    A payment that clears the balance resolves the open case in the same transaction.
    """
    _require(by, "cases.add_payment", "record payments")
    amount = _as_money(amount)
    reference = (reference or "").strip()
    if not reference:
        raise InvalidPayment(_("A payment needs its external reference."))
    if amount <= 0:
        raise InvalidPayment(_("A payment amount must be positive."))
    if timezone.is_naive(paid_at):
        raise InvalidPayment(_("paid_at must be timezone-aware."))
    if paid_at > timezone.now() + timezone.timedelta(minutes=5):
        raise InvalidPayment(_("A payment cannot be dated in the future."))
    currency = currency or account.currency
    # Lock the account: concurrent payments to one account apply one after the other.
    account = LoanAccount.objects.select_for_update().get(pk=account.pk)
    if currency != account.currency:
        raise InvalidPayment(
            _("Payment in %(currency)s for an account in %(currency2)s.")
            % {"currency": currency, "currency2": account.currency}
        )
    existing = Payment.objects.filter(reference=reference).first()
    if existing is not None:
        if existing.account_id != account.pk or existing.amount != amount:
            raise PaymentConflict(
                _("Reference %(reference)s was already recorded as %(amount)s %(currency)s on %(loan_number)s.")
                % {
                    "reference": reference,
                    "amount": existing.amount,
                    "currency": existing.currency,
                    "loan_number": existing.account.loan_number,
                }
            )
        return existing

    remaining = amount
    applied = {}
    for part in ("fees", "interest", "principal"):
        balance = getattr(account, f"outstanding_{part}")
        applied[part] = min(balance, remaining)
        setattr(account, f"outstanding_{part}", balance - applied[part])
        remaining -= applied[part]
    cleared = account.outstanding_total <= 0
    # A payment acknowledges the debt: the limitation period runs again from its day
    # (a late-recorded older payment does not move it back).
    paid_on = timezone.localdate(paid_at)
    if account.last_acknowledged_on is None or paid_on > account.last_acknowledged_on:
        account.last_acknowledged_on = paid_on
    if cleared:
        account.oldest_unpaid_due_date = None
    payment = Payment(
        account=account,
        reference=reference,
        amount=amount,
        currency=currency,
        paid_at=paid_at,
        source=source,
        applied_fees=applied["fees"],
        applied_interest=applied["interest"],
        applied_principal=applied["principal"],
        unapplied=remaining,
        recorded_by=by,
    )
    _stamp(payment, by, f"payment {reference}")
    try:
        with transaction.atomic():
            payment.save()
    except IntegrityError:
        raise PaymentConflict(
            _("Reference %(reference)s is already used by another account's payment.") % {"reference": reference}
        ) from None
    _stamp(account, by, f"payment {reference}")
    account.save()

    case = CollectionCase.objects.filter(account=account).exclude(state__in=CLOSED_STATES).first()
    if case is not None:
        CaseEvent.objects.create(
            case=case,
            kind=CaseEvent.Kind.PAYMENT,
            actor=by,
            code=EventCode.PAYMENT,
            params={
                "amount": str(amount),
                "currency": currency,
                "reference": reference,
                "outstanding": str(account.outstanding_total),
            },
        )
        _settle_promises(case, by=by, fully_paid=cleared)
        if cleared:
            # All contact stops at once (signals.case_closed): nothing scheduled may leave
            # after the payoff.
            apply_transition(case, "resolve", by=None, code=EventCode.PAID_IN_FULL, params={"reference": reference})
        elif case.state == CaseState.ARRANGEMENT and not case.has_running_arrangement():
            apply_transition(
                case,
                "end_arrangement",
                by=None,
                code=EventCode.ARRANGEMENT_FULFILLED,
                params={"reference": reference},
            )
    return payment


def _settle_promises(case: CollectionCase, *, by, fully_paid: bool) -> None:
    """Pending promises covered by the payments made since they were given are kept."""
    now = timezone.now()
    for promise in case.promises.filter(status=PromiseToPay.Status.PENDING):
        paid_since = Payment.objects.filter(account=case.account_id, paid_at__gte=promise.created_at).aggregate(
            total=Sum("amount")
        )["total"] or Decimal("0")
        if fully_paid or paid_since >= promise.amount:
            promise.status = PromiseToPay.Status.KEPT
            promise.settled_at = now
            _stamp(promise, by, "kept")
            promise.save(update_fields=["status", "settled_at"])
