"""
Arrangements: a promise to pay, or a repayment plan in instalments; either moves a case on
the ladder to ``arrangement``.

A plan is judged against its policy profile's limits (how many instalments, the smallest
instalment as a percent of the balance, how soon the first falls due) by ``plan_terms``,
which the desk also calls to preview a plan before it is agreed. A plan within them runs
at once; one beyond them waits for a supervisor other than who agreed it, who approves or
rejects it, and keeps why as codes (cases/plan_text.py).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils import timezone
from django.utils.translation import gettext as _

from audit.ledger import audited_atomic, ledger_append_many
from core.exceptions import NotPermitted
from core.money import format_money

from ..event_text import EventCode
from ..exceptions import PlanError, PromiseError
from ..models import LADDER, CaseEvent, CollectionCase, Installment, PromiseToPay, RepaymentPlan
from ..plan_text import BeyondPolicy, PlanInterval, reason_sentences
from .access import _actor, _require, _require_case_access, _stamp
from .case import apply_transition

CENT = Decimal("0.01")


def _agreed(visit) -> dict:
    """The field visit an arrangement was agreed on, for its event (the visit links to
    the promise or plan itself)."""
    return {"visit": visit} if visit else {}


@audited_atomic
def record_promise(case: CollectionCase, amount, due_date: date, *, by, note: str = "", visit=None) -> PromiseToPay:
    """The borrower promised to pay ``amount`` by ``due_date``; the case moves to ``arrangement``.
    ``visit``: the id of the field visit it was agreed on, if any."""
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
        raise PromiseError(
            _("The promise exceeds the outstanding %(outstanding_total)s %(currency)s.")
            % {"outstanding_total": case.account.outstanding_total, "currency": case.account.currency}
        )
    if due_date < today:
        raise PromiseError(_("A promise cannot be due in the past."))
    horizon = case.policy_profile.promise_max_days
    if (due_date - today).days > horizon:
        raise PromiseError(
            _("A promise may be at most %(horizon)s days ahead; agree a repayment plan instead.") % {"horizon": horizon}
        )
    promise = PromiseToPay(
        case=case, amount=amount, currency=case.account.currency, due_date=due_date, note=note, created_by=by
    )
    _stamp(promise, by, "promise recorded")
    promise.save()
    CaseEvent.objects.create(
        case=case,
        kind=CaseEvent.Kind.PROMISE,
        actor=by,
        code=EventCode.PROMISE_RECORDED,
        params={
            "amount": str(amount),
            "currency": promise.currency,
            "due_date": due_date.isoformat(),
            **_agreed(visit),
        },
        reason=note,
    )
    if case.state in LADDER:
        apply_transition(
            case, "start_arrangement", by=None, code=EventCode.AFTER_PROMISE, params={"username": _actor(by)}
        )
    return promise


@dataclass(frozen=True)
class PlanTerms:
    """A plan's instalments as its case's policy profile judges them, before anything is
    saved. ``beyond_policy``: why it needs a supervisor's approval, as ``(code, params)``
    pairs (cases/plan_text.py words them); empty when it may run at once. The limits it was
    judged by come along for the desk to show: ``max_installments``,
    ``minimum_installment`` (in ``currency``) and ``first_due_by`` (None: the profile sets
    no such limit)."""

    total: Decimal
    currency: str
    outstanding: Decimal
    count: int
    beyond_policy: tuple[tuple[str, dict], ...]
    installments: tuple[tuple[date, Decimal], ...]
    max_installments: int
    minimum_installment: Decimal | None
    first_due_by: date | None

    @property
    def needs_approval(self) -> bool:
        return bool(self.beyond_policy)

    def reasons(self) -> list[dict]:
        """The reasons as they are stored: ``[{"code", "params"}, …]``."""
        return [{"code": str(code), "params": params} for code, params in self.beyond_policy]

    def sentences(self) -> list[str]:
        """The reasons in the reader's language, one sentence each."""
        return reason_sentences(self.beyond_policy)


def _plan_money(amount) -> Decimal:
    """An amount in the account's currency: a number with at most two decimals."""
    try:
        value = Decimal(str(amount))
        cents = value.quantize(CENT) if value.is_finite() else None
    except (InvalidOperation, ValueError):
        cents = None
    if cents is None:
        raise PlanError(_("%(amount)r is not an amount of money.") % {"amount": amount})
    if cents != value:
        raise PlanError(_("%(value)s has more than two decimal places.") % {"value": value})
    return cents


def _too_many_installments(count: int, limit: int) -> list:
    if count > limit:
        return [(BeyondPolicy.TOO_MANY_INSTALLMENTS, {"count": count, "limit": limit})]
    return []


def _installments_below_minimum(amounts: list[Decimal], minimum: Decimal | None, currency: str) -> list:
    if minimum is None:
        return []
    return [
        (
            BeyondPolicy.INSTALLMENT_BELOW_MINIMUM,
            {"sequence": number, "amount": str(amount), "minimum": str(minimum), "currency": currency},
        )
        for number, amount in enumerate(amounts, start=1)
        if amount < minimum
    ]


def _first_due_too_late(first_due: date, latest: date | None, limit_days: int | None) -> list:
    if latest is not None and first_due > latest:
        return [(BeyondPolicy.FIRST_DUE_TOO_LATE, {"first_due": first_due.isoformat(), "limit_days": limit_days})]
    return []


def plan_terms(case: CollectionCase, installments, *, today: date | None = None) -> PlanTerms:
    """Judge ``installments`` (``(due date, amount)`` pairs, amounts in the account's
    currency) against the case's policy profile, saving nothing.

    Raises PlanError for a plan that cannot be agreed at all: no instalments, dates out of
    order, repeated or in the past, an amount that is not positive or has more than two
    decimals, a total above the outstanding balance. What only needs a supervisor's
    approval is in the returned terms' ``beyond_policy``."""
    today = today or timezone.localdate()
    installments = list(installments or [])
    if not installments:
        raise PlanError(_("A plan needs at least one instalment."))
    dates = [due for due, _amount in installments]
    if dates != sorted(dates) or len(set(dates)) != len(dates):
        raise PlanError(_("Instalment dates must be distinct and in order."))
    if dates[0] < today:
        raise PlanError(_("The first instalment cannot be due in the past."))
    amounts = [_plan_money(amount) for _due, amount in installments]
    if any(amount <= 0 for amount in amounts):
        raise PlanError(_("Every instalment must be a positive amount."))
    account, profile = case.account, case.policy_profile
    total, outstanding, currency = sum(amounts), account.outstanding_total, account.currency
    if total > outstanding:
        raise PlanError(
            _("The instalments add up to %(total)s, more than the %(outstanding)s outstanding.")
            % {"total": format_money(total, currency), "outstanding": format_money(outstanding, currency)}
        )
    percent, limit_days = profile.plan_min_installment_percent, profile.plan_first_due_max_days
    minimum = None if percent is None else (outstanding * percent / 100).quantize(CENT, rounding=ROUND_HALF_UP)
    first_due_by = None if limit_days is None else today + timedelta(days=limit_days)
    beyond_policy = (
        _too_many_installments(len(amounts), profile.plan_max_installments)
        + _installments_below_minimum(amounts, minimum, currency)
        + _first_due_too_late(dates[0], first_due_by, limit_days)
    )
    return PlanTerms(
        total=total,
        currency=currency,
        outstanding=outstanding,
        count=len(amounts),
        beyond_policy=tuple(beyond_policy),
        installments=tuple(zip(dates, amounts, strict=True)),
        max_installments=profile.plan_max_installments,
        minimum_installment=minimum,
        first_due_by=first_due_by,
    )


def _nth_due(first_due: date, number: int, every: str) -> date:
    """The due date ``number`` intervals after ``first_due``; a monthly plan keeps the
    first date's day of the month, or the month's last day when it has none (31 Jan,
    28 Feb, 31 Mar)."""
    if every == PlanInterval.WEEKLY:
        return first_due + timedelta(weeks=number)
    if every == PlanInterval.FORTNIGHTLY:
        return first_due + timedelta(weeks=2 * number)
    months = first_due.month - 1 + number
    year, month = first_due.year + months // 12, months % 12 + 1
    return first_due.replace(year=year, month=month, day=min(first_due.day, calendar.monthrange(year, month)[1]))


def schedule_installments(total, count: int, first_due: date, every: str) -> list[tuple[date, Decimal]]:
    """``total`` split into ``count`` equal instalments, the last one taking what rounding
    leaves over (100.00 in three: 33.33, 33.33, 33.34), due every week, two weeks or month
    (``PlanInterval``) from ``first_due``. The instalments always add up to ``total``
    exactly. Judge the result with ``plan_terms``."""
    total = _plan_money(total)
    if every not in PlanInterval.values:
        raise PlanError(_("%(every)r is not an interval between instalments.") % {"every": every})
    if not isinstance(count, int) or count < 1:
        raise PlanError(_("A plan needs at least one instalment."))
    share = (total / count).quantize(CENT, rounding=ROUND_DOWN)
    if share <= 0:
        raise PlanError(_("Every instalment must be a positive amount."))
    amounts = [share] * (count - 1) + [total - share * (count - 1)]
    return [(_nth_due(first_due, number, every), amount) for number, amount in enumerate(amounts)]


@audited_atomic
def agree_repayment_plan(
    case: CollectionCase, installments: list[tuple[date, Decimal]], *, by, note: str = "", visit=None
) -> RepaymentPlan:
    """A plan within policy runs at once; one beyond it (``plan_terms``) waits for a
    supervisor's approval, and its event says why. ``visit``: the id of the field visit
    it was agreed on, if any."""
    _require(by, "cases.add_repaymentplan", "agree repayment plans")
    # The case row is locked: two people agreeing plans at once get one plan, not two.
    case = CollectionCase.objects.select_for_update(of=("self",)).select_related("account__borrower").get(pk=case.pk)
    _require_case_access(by, case)
    if not case.is_open:
        raise PlanError(_("Case %(pk)s is closed.") % {"pk": case.pk})
    standing = RepaymentPlan.objects.filter(
        case=case, status__in=[RepaymentPlan.Status.ACTIVE, RepaymentPlan.Status.PROPOSED]
    ).first()
    if standing is not None:
        raise PlanError(
            _("Plan %(pk)s is already %(status)s on this case; one plan at a time.")
            % {"pk": standing.pk, "status": standing.get_status_display().lower()}
        )
    terms = plan_terms(case, installments)
    plan = RepaymentPlan(
        case=case,
        total_amount=terms.total,
        currency=terms.currency,
        created_by=by,
        note=note,
        beyond_policy=terms.needs_approval,
        beyond_policy_reasons=terms.reasons(),
        status=RepaymentPlan.Status.PROPOSED if terms.needs_approval else RepaymentPlan.Status.ACTIVE,
    )
    _stamp(plan, by, "plan agreed")
    plan.save()
    installments = Installment.objects.bulk_create(
        Installment(plan=plan, sequence=number, due_date=due, amount=amount)
        for number, (due, amount) in enumerate(terms.installments, start=1)
    )
    # Bulk writes send no signal: their history rows are written and queued for sealing here.
    ledger_append_many(
        Installment.history.bulk_history_create(installments, default_user=by, default_change_reason="plan agreed")
    )
    CaseEvent.objects.create(
        case=case,
        kind=CaseEvent.Kind.PLAN,
        actor=by,
        code=EventCode.PLAN_PROPOSED if terms.needs_approval else EventCode.PLAN_AGREED,
        params={
            "count": terms.count,
            "total": str(plan.total_amount),
            "currency": plan.currency,
            **({"beyond_policy": terms.reasons()} if terms.needs_approval else {}),
            **_agreed(visit),
        },
        reason=note,
    )
    if plan.status == RepaymentPlan.Status.ACTIVE and case.state in LADDER:
        apply_transition(
            case, "start_arrangement", by=None, code=EventCode.AFTER_PLAN_AGREED, params={"username": _actor(by)}
        )
    return plan


def _awaiting_approval(plan: RepaymentPlan) -> None:
    if plan.status != RepaymentPlan.Status.PROPOSED:
        raise PlanError(
            _("Plan %(pk)s is %(lower)s, not awaiting approval.")
            % {"pk": plan.pk, "lower": plan.get_status_display().lower()}
        )


@audited_atomic
def approve_repayment_plan(plan: RepaymentPlan, *, by) -> RepaymentPlan:
    """A supervisor other than who agreed it lets a plan beyond policy run; the case moves
    to ``arrangement``."""
    _require(by, "cases.approve_repayment_plan", "approve repayment plans")
    plan = RepaymentPlan.objects.select_for_update().get(pk=plan.pk)
    _awaiting_approval(plan)
    if by is not None and by.pk == plan.created_by_id:
        raise NotPermitted(_("A plan beyond policy must be approved by someone other than who agreed it."))
    plan.status = RepaymentPlan.Status.ACTIVE
    plan.approved_by = by
    plan.approved_at = timezone.now()
    _stamp(plan, by, "plan approved")
    plan.save(update_fields=["status", "approved_by", "approved_at"])
    case = CollectionCase.objects.get(pk=plan.case_id)
    CaseEvent.objects.create(
        case=case, kind=CaseEvent.Kind.PLAN, actor=by, code=EventCode.PLAN_APPROVED, params={"plan": plan.pk}
    )
    if case.state in LADDER:
        apply_transition(
            case, "start_arrangement", by=None, code=EventCode.AFTER_PLAN_APPROVED, params={"username": _actor(by)}
        )
    return plan


@audited_atomic
def reject_repayment_plan(plan: RepaymentPlan, *, by, reason: str) -> RepaymentPlan:
    """A supervisor other than who agreed it turns a plan beyond policy down, saying why.
    The plan never runs; the case stays where it is."""
    _require(by, "cases.approve_repayment_plan", "reject repayment plans")
    reason = (reason or "").strip()
    if not reason:
        raise PlanError(_("Say why the plan is rejected."))
    plan = RepaymentPlan.objects.select_for_update().get(pk=plan.pk)
    _require_case_access(by, plan.case)
    _awaiting_approval(plan)
    if by is not None and by.pk == plan.created_by_id:
        raise NotPermitted(_("A plan beyond policy must be rejected by someone other than who agreed it."))
    plan.status = RepaymentPlan.Status.REJECTED
    plan.rejected_by, plan.rejected_at, plan.rejection_reason = by, timezone.now(), reason
    _stamp(plan, by, "plan rejected")
    plan.save(update_fields=["status", "rejected_by", "rejected_at", "rejection_reason"])
    CaseEvent.objects.create(
        case_id=plan.case_id,
        kind=CaseEvent.Kind.PLAN,
        actor=by,
        code=EventCode.PLAN_REJECTED,
        params={"plan": plan.pk},
        reason=reason,
    )
    return plan
