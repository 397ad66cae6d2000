"""
State-changing rules for cases: each function runs in one transaction, checks the
acting user's permission, and raises a named exception from ``cases.exceptions``
with a sentence a person can read. ``by=None`` means the system (nightly cycle,
payment feed) is acting.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
import django_fsm

from audit.ledger import audited_atomic, ledger_append_many

from . import signals
from .selectors import visible_cases
from core.exceptions import NotPermitted
from .exceptions import (
    CaseAlreadyOpen, CaseChangedConcurrently, HoldError, InvalidPayment, PaymentConflict, PlanError, PromiseError, TransitionRefused,
)
from .models import (
    CLOSED_STATES, LADDER, NEXT_RUNG_TRANSITION, CaseEvent, CaseState, CollectionCase, Hold,
    Installment, LoanAccount, Payment, PromiseToPay, RepaymentPlan,
)

COLLECTOR_GROUP = "Collector"


def _require(by, perm: str, doing: str) -> None:
    if by is not None and not by.has_perm(perm):
        raise NotPermitted(_("%(username)s may not %(doing)s.") % {"username": by.get_username(), "doing": doing})


def _require_case_access(by, case) -> None:
    """A collector acts only on cases assigned to them (same rule as what they can see)."""
    if by is not None and not visible_cases(by).filter(pk=case.pk).exists():
        raise NotPermitted(_("Case %(pk)s is not in %(username)s's book.") % {"pk": case.pk, "username": by.get_username()})


def _actor(by) -> str:
    return by.get_username() if by is not None else "system"


def _stamp(instance, by, reason: str) -> None:
    """Who and why, for the history row the next save() writes."""
    instance._history_user = by
    instance._change_reason = reason[:100]


def _transition_for(case: CollectionCase, name: str) -> django_fsm.Transition | None:
    for candidate in case.get_all_state_transitions():
        if candidate.name == name and candidate.source in (case.state, "*"):
            return candidate
    return None


def transition_label(name: str) -> str:
    method = getattr(CollectionCase, name)
    meta = method._django_fsm
    any_transition = next(iter(meta.transitions.values()))
    return any_transition.custom.get("label", name.replace("_", " "))


def check_transition(case: CollectionCase, name: str):
    """The guard results of transition ``name`` from the case's current state, or None
    when the transition does not start from this state."""
    found = _transition_for(case, name)
    if found is None:
        return None
    return [condition.evaluate(case) for condition in found.conditions]


@audited_atomic
def apply_transition(case: CollectionCase, name: str, *, by, reason: str = "") -> CollectionCase:
    """Apply transition ``name`` to ``case`` as ``by``, recording who, why, and every
    guard's inputs in a CaseEvent. The case row is locked first; if someone moved the
    case since ``case`` was loaded, CaseChangedConcurrently is raised and nothing changes."""
    if not hasattr(getattr(CollectionCase, name, None), "_django_fsm"):
        raise TransitionRefused(_("%(name)r is not a case transition.") % {"name": name})
    current = CollectionCase.objects.select_for_update().values_list("state", flat=True).get(pk=case.pk)
    if current != case.state:
        raise CaseChangedConcurrently(
            _("Case %(pk)s moved from %(state)s to %(label)s while you were looking at it; reload and try again.") % {"pk": case.pk, "state": case.get_state_display(), "label": CaseState(current).label}
        )
    found = _transition_for(case, name)
    if found is None:
        raise TransitionRefused(_("'%(transition_label)s' is not possible from %(state)s.") % {"transition_label": transition_label(name), "state": case.get_state_display()})
    _require_case_access(by, case)
    if by is not None and not found.has_perm(case, by):
        raise NotPermitted(_("%(username)s may not '%(transition_label)s'.") % {"username": by.get_username(), "transition_label": transition_label(name)})
    borrower = case.account.borrower
    if by is None and name in NEXT_RUNG_TRANSITION.values() and borrower.vulnerable \
            and not case.policy_profile.auto_escalate_vulnerable:
        raise TransitionRefused(
            _("The borrower is marked vulnerable: specialist handling, no automatic escalation.")
        )
    if found.custom.get("form") and not reason.strip():
        raise TransitionRefused(_("'%(transition_label)s' needs a written reason.") % {"transition_label": transition_label(name)})
    results = [condition.evaluate(case) for condition in found.conditions]
    failed = [result for result in results if not result.passed]
    if failed:
        raise TransitionRefused(
            _("'%(transition_label)s' refused: %(items)s") % {"transition_label": transition_label(name), "items": " ".join(result.explanation for result in failed)},
            failed_guards=failed,
        )
    from_state = case.state
    getattr(case, name)()
    case.state_changed_at = timezone.now()
    summary = reason or f"{transition_label(name)} ({', '.join(r.rule for r in results) or 'no guard'})"
    _stamp(case, by, summary)
    try:
        case.save()
    except django_fsm.ConcurrentTransition:
        raise CaseChangedConcurrently(_("Case %(pk)s was changed by someone else; reload and try again.") % {"pk": case.pk}) from None
    CaseEvent.objects.create(
        case=case, kind=CaseEvent.Kind.TRANSITION, actor=by, transition=name,
        from_state=from_state, to_state=case.state, reason=reason,
        rules=[{"rule": r.rule, "passed": r.passed, "explanation": r.explanation, "inputs": r.inputs} for r in results],
        profile_label=case.policy_profile.label,
    )
    # Nobody writes to or knocks on the door of a paid, closed or held case: the apps that
    # send and visit stop at once, in this transaction.
    why = f"Case {case.get_state_display().lower()}: {summary}"
    if case.state in CLOSED_STATES:
        signals.case_closed.send(sender=CollectionCase, case_ids=[case.pk], why=why)
    elif case.state == CaseState.ON_HOLD:
        signals.case_put_on_hold.send(sender=CollectionCase, case=case, why=why)
    return case


def escalate(case: CollectionCase, *, by, reason: str = "") -> CollectionCase:
    """Climb exactly one rung of the ladder. Raises TransitionRefused naming the failed guard."""
    name = NEXT_RUNG_TRANSITION.get(case.state)
    if name is None:
        raise TransitionRefused(_("A case in '%(state)s' has no next rung to climb.") % {"state": case.get_state_display()})
    return apply_transition(case, name, by=by, reason=reason)


@audited_atomic
def open_case(account: LoanAccount, *, by=None, collector=None) -> CollectionCase:
    if CollectionCase.objects.filter(account=account).exclude(state__in=CLOSED_STATES).exists():
        raise CaseAlreadyOpen(_("Account %(loan_number)s already has an open case.") % {"loan_number": account.loan_number})
    case = CollectionCase(account=account, assigned_collector=collector)
    _stamp(case, by, "case opened")
    try:
        with transaction.atomic():
            case.save()
    except IntegrityError:
        raise CaseAlreadyOpen(_("Account %(loan_number)s already has an open case.") % {"loan_number": account.loan_number}) from None
    CaseEvent.objects.create(case=case, kind=CaseEvent.Kind.OPENED, actor=by, to_state=case.state,
                             reason=f"{account.days_past_due} days past due")
    return case


@audited_atomic
def assign_case(case: CollectionCase, collector, *, by) -> CollectionCase:
    _require(by, "cases.assign_case", "assign cases")
    if collector is not None and not collector.groups.filter(name=COLLECTOR_GROUP).exists():
        raise NotPermitted(_("%(username)s is not a collector.") % {"username": collector.get_username()})
    if not case.is_open:
        raise TransitionRefused(_("A closed case cannot be reassigned."))
    previous = case.assigned_collector
    case.assigned_collector = collector
    _stamp(case, by, "assigned")
    case.save(update_fields=["assigned_collector"])
    CaseEvent.objects.create(
        case=case, kind=CaseEvent.Kind.ASSIGNMENT, actor=by,
        reason=f"{previous.get_username() if previous else 'nobody'} → {collector.get_username() if collector else 'nobody'}",
    )
    return case


@audited_atomic
def record_written_notice(case: CollectionCase, *, sent_at: datetime, by=None) -> CollectionCase:
    """The formal letter went out: starts the notice lead time a field visit needs."""
    if case.state != CaseState.WRITTEN_NOTICE and case.ladder_rung != CaseState.WRITTEN_NOTICE:
        raise TransitionRefused(_("A written notice is sent on the written-notice rung only."))
    case.written_notice_sent_at = sent_at
    _stamp(case, by, "written notice sent")
    case.save(update_fields=["written_notice_sent_at"])
    CaseEvent.objects.create(case=case, kind=CaseEvent.Kind.NOTICE, actor=by,
                             reason=f"sent {timezone.localtime(sent_at):%Y-%m-%d %H:%M}")
    return case


def record_written_notices(cases: list[CollectionCase], *, sent_at: datetime, by=None) -> None:
    """The batch form of ``record_written_notice`` for letters already judged and sent on
    the written-notice rung (the outbox's batch): one UPDATE, bulk history and events.
    The caller holds the cases' locks inside ``audited_atomic`` or ``sealing_deferred``."""
    if not cases:
        return
    for case in cases:
        case.written_notice_sent_at = sent_at
    CollectionCase.objects.filter(pk__in=[case.pk for case in cases]).update(written_notice_sent_at=sent_at)
    history = CollectionCase.history.bulk_history_create(cases, update=True, default_user=by,
                                                         default_change_reason="written notice sent")
    events = CaseEvent.objects.bulk_create([
        CaseEvent(case=case, kind=CaseEvent.Kind.NOTICE, actor=by,
                  reason=f"sent {timezone.localtime(sent_at):%Y-%m-%d %H:%M}")
        for case in cases])
    ledger_append_many([*history, *events])


# --- payments -------------------------------------------------------------------

def _as_money(amount) -> Decimal:
    try:
        value = Decimal(str(amount))
    except (InvalidOperation, ValueError):
        raise InvalidPayment(_("%(amount)r is not an amount of money.") % {"amount": amount}) from None
    if value != value.quantize(Decimal("0.01")):
        raise InvalidPayment(_("%(value)s has more than two decimal places.") % {"value": value})
    return value


@audited_atomic
def record_payment(account: LoanAccount, amount, paid_at: datetime, reference: str, *,
                   by=None, source: str = Payment.Source.FEED, currency: str | None = None) -> Payment:
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
        raise InvalidPayment(_("Payment in %(currency)s for an account in %(currency2)s.") % {"currency": currency, "currency2": account.currency})
    existing = Payment.objects.filter(reference=reference).first()
    if existing is not None:
        if existing.account_id != account.pk or existing.amount != amount:
            raise PaymentConflict(
                _("Reference %(reference)s was already recorded as %(amount)s %(currency)s on %(loan_number)s.") % {"reference": reference, "amount": existing.amount, "currency": existing.currency, "loan_number": existing.account.loan_number}
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
    if cleared:
        account.oldest_unpaid_due_date = None
    payment = Payment(
        account=account, reference=reference, amount=amount, currency=currency, paid_at=paid_at,
        source=source, applied_fees=applied["fees"], applied_interest=applied["interest"],
        applied_principal=applied["principal"], unapplied=remaining, recorded_by=by,
    )
    _stamp(payment, by, f"payment {reference}")
    try:
        with transaction.atomic():
            payment.save()
    except IntegrityError:
        raise PaymentConflict(_("Reference %(reference)s is already used by another account's payment.") % {"reference": reference}) from None
    _stamp(account, by, f"payment {reference}")
    account.save()

    case = CollectionCase.objects.filter(account=account).exclude(state__in=CLOSED_STATES).first()
    if case is not None:
        CaseEvent.objects.create(case=case, kind=CaseEvent.Kind.PAYMENT, actor=by,
                                 reason=f"{amount} {currency} ({reference}); outstanding now {account.outstanding_total}")
        _settle_promises(case, by=by, fully_paid=cleared)
        if cleared:
            # All contact stops at once (signals.case_closed): nothing scheduled may leave
            # after the payoff.
            apply_transition(case, "resolve", by=None, reason=f"Paid in full by payment {reference}.")
        elif case.state == CaseState.ARRANGEMENT and not case.has_running_arrangement():
            apply_transition(case, "end_arrangement", by=None, reason=f"Arrangement fulfilled by payment {reference}.")
    return payment


def _settle_promises(case: CollectionCase, *, by, fully_paid: bool) -> None:
    """Pending promises covered by the payments made since they were given are kept."""
    now = timezone.now()
    for promise in case.promises.filter(status=PromiseToPay.Status.PENDING):
        paid_since = Payment.objects.filter(account=case.account_id, paid_at__gte=promise.created_at) \
            .aggregate(total=Sum("amount"))["total"] or Decimal("0")
        if fully_paid or paid_since >= promise.amount:
            promise.status = PromiseToPay.Status.KEPT
            promise.settled_at = now
            _stamp(promise, by, "kept")
            promise.save(update_fields=["status", "settled_at"])


# --- holds ----------------------------------------------------------------------

@audited_atomic
def place_hold(case: CollectionCase, kind: str, *, by, until: datetime | None = None, note: str = "",
               evidence=None, starts_at: datetime | None = None) -> Hold:
    """Stop collection activity on the case: it moves to ``on_hold`` until released."""
    _require(by, "cases.place_hold", "place holds")
    if kind not in Hold.Kind.values:
        raise HoldError(_("Unknown hold kind %(kind)r.") % {"kind": kind})
    case = CollectionCase.objects.select_for_update().get(pk=case.pk)
    _require_case_access(by, case)
    if not case.is_open:
        raise HoldError(_("Case %(pk)s is %(lower)s; a closed case takes no hold.") % {"pk": case.pk, "lower": case.get_state_display().lower()})
    starts_at = starts_at or timezone.now()
    if kind == Hold.Kind.BREATHING_SPACE and until is None:
        until = starts_at + timezone.timedelta(days=case.policy_profile.breathing_space_days)
    if until is not None and until <= starts_at:
        raise HoldError(_("A hold must end after it starts."))
    if kind == Hold.Kind.HARDSHIP and not evidence:
        raise HoldError(_("A hardship hold needs the evidence file (medical note, dismissal letter…)."))
    hold = Hold(case=case, kind=kind, starts_at=starts_at, ends_at=until, note=note, placed_by=by)
    if evidence:
        hold.evidence = evidence
    _stamp(hold, by, f"{kind} hold placed")
    hold.save()
    CaseEvent.objects.create(case=case, kind=CaseEvent.Kind.HOLD_PLACED, actor=by,
                             reason=f"{hold.get_kind_display()}: {note}".strip(": "))
    if case.state != CaseState.ON_HOLD and hold.is_active:
        apply_transition(case, "put_on_hold", by=None, reason=f"{hold.get_kind_display()} hold placed by {_actor(by)}.")
    return hold


@audited_atomic
def release_hold(hold: Hold, *, by, note: str = "") -> Hold:
    """End a hold; when no other hold remains the case returns to its rung (or arrangement)."""
    _require(by, "cases.release_hold", "release holds")
    hold = Hold.objects.select_for_update().get(pk=hold.pk)
    _require_case_access(by, hold.case)
    if hold.released_at is not None:
        raise HoldError(_("This hold was already released."))
    hold.released_at = timezone.now()
    hold.released_by = by
    hold.release_note = note
    _stamp(hold, by, "hold released")
    hold.save(update_fields=["released_at", "released_by", "release_note"])
    case = CollectionCase.objects.get(pk=hold.case_id)
    CaseEvent.objects.create(case=case, kind=CaseEvent.Kind.HOLD_RELEASED, actor=by,
                             reason=f"{hold.get_kind_display()}: {note}".strip(": "))
    if case.state == CaseState.ON_HOLD and not case.active_holds().exists():
        apply_transition(case, "release_from_hold", by=None,
                         reason=f"{hold.get_kind_display()} hold released by {_actor(by)}.")
    return hold


def release_expired_holds(now: datetime | None = None) -> int:
    """Release holds whose end date has passed (e.g. a breathing space that ran out).
    Set-based, for the whole book at once: see cases.jobs.release_expired_holds."""
    from .jobs import release_expired_holds as release_in_bulk  # jobs builds on this module

    return release_in_bulk(now)


# --- arrangements ---------------------------------------------------------------

@audited_atomic
def record_promise(case: CollectionCase, amount, due_date: date, *, by, note: str = "") -> PromiseToPay:
    """The borrower promised to pay ``amount`` by ``due_date``; the case moves to ``arrangement``."""
    _require(by, "cases.add_promisetopay", "record promises")
    try:
        amount = Decimal(str(amount))
    except (InvalidOperation, ValueError):
        raise PromiseError(_("%(amount)r is not an amount of money.") % {"amount": amount}) from None
    case = CollectionCase.objects.select_related("account__borrower").get(pk=case.pk)
    _require_case_access(by, case)
    if not case.is_open:
        raise PromiseError(_("Case %(pk)s is closed.") % {"pk": case.pk})
    today = timezone.localdate()
    if amount <= 0:
        raise PromiseError(_("The promised amount must be positive."))
    if amount > case.account.outstanding_total:
        raise PromiseError(_("The promise exceeds the outstanding %(outstanding_total)s %(currency)s.") % {"outstanding_total": case.account.outstanding_total, "currency": case.account.currency})
    if due_date < today:
        raise PromiseError(_("A promise cannot be due in the past."))
    horizon = case.policy_profile.promise_max_days
    if (due_date - today).days > horizon:
        raise PromiseError(_("A promise may be at most %(horizon)s days ahead; agree a repayment plan instead.") % {"horizon": horizon})
    promise = PromiseToPay(case=case, amount=amount, currency=case.account.currency, due_date=due_date,
                           note=note, created_by=by)
    _stamp(promise, by, "promise recorded")
    promise.save()
    CaseEvent.objects.create(case=case, kind=CaseEvent.Kind.PROMISE, actor=by,
                             reason=f"{amount} {promise.currency} by {due_date:%Y-%m-%d}. {note}".strip())
    if case.state in LADDER:
        apply_transition(case, "start_arrangement", by=None, reason=f"Promise to pay recorded by {_actor(by)}.")
    return promise


@audited_atomic
def agree_repayment_plan(case: CollectionCase, installments: list[tuple[date, Decimal]], *, by,
                         note: str = "") -> RepaymentPlan:
    """A plan within policy runs at once; a longer one waits for a supervisor's approval."""
    _require(by, "cases.add_repaymentplan", "agree repayment plans")
    case = CollectionCase.objects.select_related("account__borrower").get(pk=case.pk)
    _require_case_access(by, case)
    if not case.is_open:
        raise PlanError(_("Case %(pk)s is closed.") % {"pk": case.pk})
    if not installments:
        raise PlanError(_("A plan needs at least one instalment."))
    dates = [due for due, _ in installments]
    if dates != sorted(dates) or len(set(dates)) != len(dates):
        raise PlanError(_("Instalment dates must be distinct and in order."))
    if dates[0] < timezone.localdate():
        raise PlanError(_("The first instalment cannot be due in the past."))
    amounts = [Decimal(str(amount)) for _, amount in installments]
    if any(amount <= 0 for amount in amounts):
        raise PlanError(_("Every instalment must be a positive amount."))
    beyond_policy = len(installments) > case.policy_profile.plan_max_installments
    plan = RepaymentPlan(
        case=case, total_amount=sum(amounts), currency=case.account.currency, created_by=by, note=note,
        beyond_policy=beyond_policy,
        status=RepaymentPlan.Status.PROPOSED if beyond_policy else RepaymentPlan.Status.ACTIVE,
    )
    _stamp(plan, by, "plan agreed")
    plan.save()
    Installment.objects.bulk_create(
        Installment(plan=plan, sequence=number, due_date=due, amount=amount)
        for number, (due, amount) in enumerate(zip(dates, amounts, strict=True), start=1)
    )
    CaseEvent.objects.create(case=case, kind=CaseEvent.Kind.PLAN, actor=by,
                             reason=f"{len(amounts)} instalments, {plan.total_amount} {plan.currency}"
                                    + (" — awaiting supervisor approval" if beyond_policy else ""))
    if plan.status == RepaymentPlan.Status.ACTIVE and case.state in LADDER:
        apply_transition(case, "start_arrangement", by=None, reason=f"Repayment plan agreed by {_actor(by)}.")
    return plan


@audited_atomic
def approve_repayment_plan(plan: RepaymentPlan, *, by) -> RepaymentPlan:
    _require(by, "cases.approve_repayment_plan", "approve repayment plans")
    plan = RepaymentPlan.objects.select_for_update().get(pk=plan.pk)
    if plan.status != RepaymentPlan.Status.PROPOSED:
        raise PlanError(_("Plan %(pk)s is %(lower)s, not awaiting approval.") % {"pk": plan.pk, "lower": plan.get_status_display().lower()})
    if by is not None and by.pk == plan.created_by_id:
        raise NotPermitted(_("A plan beyond policy must be approved by someone other than who agreed it."))
    plan.status = RepaymentPlan.Status.ACTIVE
    plan.approved_by = by
    plan.approved_at = timezone.now()
    _stamp(plan, by, "plan approved")
    plan.save(update_fields=["status", "approved_by", "approved_at"])
    case = CollectionCase.objects.get(pk=plan.case_id)
    CaseEvent.objects.create(case=case, kind=CaseEvent.Kind.PLAN, actor=by, reason=f"Plan {plan.pk} approved")
    if case.state in LADDER:
        apply_transition(case, "start_arrangement", by=None, reason=f"Repayment plan approved by {_actor(by)}.")
    return plan


def collectors():
    return Group.objects.get(name=COLLECTOR_GROUP).user_set.filter(is_active=True)
