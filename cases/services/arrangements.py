"""
Arrangements: a promise to pay, or a repayment plan in instalments (one beyond the
profile's policy waits for a supervisor other than who agreed it); either moves a case
on the ladder to ``arrangement``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from django.utils import timezone
from django.utils.translation import gettext as _

from audit.ledger import audited_atomic, ledger_append_many
from core.exceptions import NotPermitted

from ..event_text import EventCode
from ..exceptions import PlanError, PromiseError
from ..models import LADDER, CaseEvent, CollectionCase, Installment, PromiseToPay, RepaymentPlan
from .access import _actor, _require, _require_case_access, _stamp
from .case import apply_transition


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


@audited_atomic
def agree_repayment_plan(
    case: CollectionCase, installments: list[tuple[date, Decimal]], *, by, note: str = "", visit=None
) -> RepaymentPlan:
    """A plan within policy runs at once; a longer one waits for a supervisor's approval.
    ``visit``: the id of the field visit it was agreed on, if any."""
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
        case=case,
        total_amount=sum(amounts),
        currency=case.account.currency,
        created_by=by,
        note=note,
        beyond_policy=beyond_policy,
        status=RepaymentPlan.Status.PROPOSED if beyond_policy else RepaymentPlan.Status.ACTIVE,
    )
    _stamp(plan, by, "plan agreed")
    plan.save()
    installments = Installment.objects.bulk_create(
        Installment(plan=plan, sequence=number, due_date=due, amount=amount)
        for number, (due, amount) in enumerate(zip(dates, amounts, strict=True), start=1)
    )
    # Bulk writes send no signal: their history rows are written and queued for sealing here.
    ledger_append_many(
        Installment.history.bulk_history_create(installments, default_user=by, default_change_reason="plan agreed")
    )
    CaseEvent.objects.create(
        case=case,
        kind=CaseEvent.Kind.PLAN,
        actor=by,
        code=EventCode.PLAN_PROPOSED if beyond_policy else EventCode.PLAN_AGREED,
        params={
            "count": len(amounts),
            "total": str(plan.total_amount),
            "currency": plan.currency,
            **_agreed(visit),
        },
        reason=note,
    )
    if plan.status == RepaymentPlan.Status.ACTIVE and case.state in LADDER:
        apply_transition(
            case, "start_arrangement", by=None, code=EventCode.AFTER_PLAN_AGREED, params={"username": _actor(by)}
        )
    return plan


@audited_atomic
def approve_repayment_plan(plan: RepaymentPlan, *, by) -> RepaymentPlan:
    _require(by, "cases.approve_repayment_plan", "approve repayment plans")
    plan = RepaymentPlan.objects.select_for_update().get(pk=plan.pk)
    if plan.status != RepaymentPlan.Status.PROPOSED:
        raise PlanError(
            _("Plan %(pk)s is %(lower)s, not awaiting approval.")
            % {"pk": plan.pk, "lower": plan.get_status_display().lower()}
        )
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
