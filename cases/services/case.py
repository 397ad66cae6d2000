"""
The case's own life: its state transitions (guards, permission, lock, the case event,
and the signals that stop contact on a closed or held case), opening a case, assigning
it to a collector, and recording the written notice.
"""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
import django_fsm

from audit.ledger import audited_atomic, ledger_append_many
from core.exceptions import NotPermitted

from .. import signals
from ..event_text import EventCode, sentence
from ..exceptions import CaseAlreadyOpen, CaseChangedConcurrently, TransitionRefused
from ..models import CLOSED_STATES, NEXT_RUNG_TRANSITION, CaseEvent, CaseState, CollectionCase, LoanAccount
from .access import _require, _require_case_access, _stamp

COLLECTOR_GROUP = "Collector"


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
def apply_transition(
    case: CollectionCase, name: str, *, by, reason: str = "", code: str = "", params: dict | None = None
) -> CollectionCase:
    """Apply transition ``name`` to ``case`` as ``by``, recording who, why, and every
    guard's inputs in a CaseEvent. The case row is locked first; if someone moved the
    case since ``case`` was loaded, CaseChangedConcurrently is raised and nothing changes.

    Why, as the system says it: ``code`` and ``params`` (cases/event_text.py), written in
    each reader's language when read. Why, as a person typed it: ``reason``, kept as typed."""
    if not hasattr(getattr(CollectionCase, name, None), "_django_fsm"):
        raise TransitionRefused(_("%(name)r is not a case transition.") % {"name": name})
    current = CollectionCase.objects.select_for_update().values_list("state", flat=True).get(pk=case.pk)
    if current != case.state:
        raise CaseChangedConcurrently(
            _("Case %(pk)s moved from %(state)s to %(label)s while you were looking at it; reload and try again.")
            % {"pk": case.pk, "state": case.get_state_display(), "label": CaseState(current).label}
        )
    found = _transition_for(case, name)
    if found is None:
        raise TransitionRefused(
            _("'%(transition_label)s' is not possible from %(state)s.")
            % {"transition_label": transition_label(name), "state": case.get_state_display()}
        )
    if by is not None and found.custom.get("admin") is False:
        # Side states and payoff follow from what happened (a promise, a hold, a payment);
        # nobody takes them by hand, whatever name is posted.
        raise NotPermitted(
            _("'%(transition_label)s' follows from the case's promises, holds and payments; nobody takes it by hand.")
            % {"transition_label": transition_label(name)}
        )
    _require_case_access(by, case)
    if by is not None and not found.has_perm(case, by):
        raise NotPermitted(
            _("%(username)s may not '%(transition_label)s'.")
            % {"username": by.get_username(), "transition_label": transition_label(name)}
        )
    borrower = case.account.borrower
    if (
        by is None
        and name in NEXT_RUNG_TRANSITION.values()
        and borrower.vulnerable
        and not case.policy_profile.auto_escalate_vulnerable
    ):
        raise TransitionRefused(_("The borrower is marked vulnerable: specialist handling, no automatic escalation."))
    if found.custom.get("form") and not reason.strip():
        raise TransitionRefused(
            _("'%(transition_label)s' needs a written reason.") % {"transition_label": transition_label(name)}
        )
    results = [condition.evaluate(case) for condition in found.conditions]
    failed = [result for result in results if not result.passed]
    if failed:
        raise TransitionRefused(
            _("'%(transition_label)s' refused: %(items)s")
            % {"transition_label": transition_label(name), "items": " ".join(result.explanation for result in failed)},
            failed_guards=failed,
        )
    from_state = case.state
    getattr(case, name)()
    case.state_changed_at = timezone.now()
    summary = (
        reason
        or sentence(code, params)
        or f"{transition_label(name)} ({', '.join(r.rule for r in results) or 'no guard'})"
    )
    _stamp(case, by, summary)
    try:
        case.save()
    except django_fsm.ConcurrentTransition:
        raise CaseChangedConcurrently(
            _("Case %(pk)s was changed by someone else; reload and try again.") % {"pk": case.pk}
        ) from None
    CaseEvent.objects.create(
        case=case,
        kind=CaseEvent.Kind.TRANSITION,
        actor=by,
        transition=name,
        from_state=from_state,
        to_state=case.state,
        code=code,
        params=params or {},
        reason=reason,
        rules=[result.record() for result in results],
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
        raise TransitionRefused(
            _("A case in '%(state)s' has no next rung to climb.") % {"state": case.get_state_display()}
        )
    return apply_transition(case, name, by=by, reason=reason)


@audited_atomic
def open_case(account: LoanAccount, *, by=None, collector=None) -> CollectionCase:
    if CollectionCase.objects.filter(account=account).exclude(state__in=CLOSED_STATES).exists():
        raise CaseAlreadyOpen(
            _("Account %(loan_number)s already has an open case.") % {"loan_number": account.loan_number}
        )
    case = CollectionCase(account=account, assigned_collector=collector)
    _stamp(case, by, "case opened")
    try:
        with transaction.atomic():
            case.save()
    except IntegrityError:
        raise CaseAlreadyOpen(
            _("Account %(loan_number)s already has an open case.") % {"loan_number": account.loan_number}
        ) from None
    CaseEvent.objects.create(
        case=case,
        kind=CaseEvent.Kind.OPENED,
        actor=by,
        to_state=case.state,
        code=EventCode.OPENED,
        params={"days_past_due": account.days_past_due},
    )
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
        case=case,
        kind=CaseEvent.Kind.ASSIGNMENT,
        actor=by,
        code=EventCode.ASSIGNED,
        params={
            "previous": previous.get_username() if previous else "",
            "collector": collector.get_username() if collector else "",
        },
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
    CaseEvent.objects.create(case=case, kind=CaseEvent.Kind.NOTICE, actor=by, **_notice_sent(sent_at))
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
    history = CollectionCase.history.bulk_history_create(
        cases, update=True, default_user=by, default_change_reason="written notice sent"
    )
    events = CaseEvent.objects.bulk_create(
        [CaseEvent(case=case, kind=CaseEvent.Kind.NOTICE, actor=by, **_notice_sent(sent_at)) for case in cases]
    )
    ledger_append_many([*history, *events])


def _notice_sent(sent_at: datetime) -> dict:
    return {"code": EventCode.NOTICE_SENT, "params": {"sent_at": sent_at.isoformat()}}


def collectors():
    return Group.objects.get(name=COLLECTOR_GROUP).user_set.filter(is_active=True)
