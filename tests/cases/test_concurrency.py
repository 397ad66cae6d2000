"""Two people acting on one case at once: one wins, the other is told clearly."""

from decimal import Decimal
import threading

from django.db import connection, transaction
from django.utils import timezone
import django_fsm
import pytest

from cases import services
from cases.exceptions import CaseChangedConcurrently
from cases.models import CaseEvent, CaseState, CollectionCase, Payment
from tests.factories import climb_to, create_case


def test_stale_instance_is_refused_by_the_optimistic_check(db, supervisor):
    case = climb_to(create_case(dpd=40), CaseState.PHONE, by=supervisor)
    first = CollectionCase.objects.get(pk=case.pk)
    stale = CollectionCase.objects.get(pk=case.pk)
    services.escalate(first, by=supervisor)
    # django-fsm's ConcurrentTransitionMixin on its own…
    stale.escalate_to_written_notice()
    with pytest.raises(django_fsm.ConcurrentTransition), transaction.atomic():
        stale.save()
    # …and the service, which says it in words.
    with pytest.raises(CaseChangedConcurrently, match="moved from Phone calls to Written notice"):
        services.apply_transition(_stale_copy(case), "settle", by=supervisor, reason="settled for less")
    assert CollectionCase.objects.get(pk=case.pk).state == CaseState.WRITTEN_NOTICE


def _stale_copy(case):
    """An instance loaded while the case was still on the phone rung."""
    copy = CollectionCase(pk=case.pk, account_id=case.account_id, state=CaseState.PHONE, ladder_rung=CaseState.PHONE)
    copy._state.adding = False
    copy._update_initial_state()
    return copy


def _run_together(*actions):
    barrier = threading.Barrier(len(actions))
    outcomes = [None] * len(actions)

    def run(index, action):
        try:
            barrier.wait(timeout=10)
            outcomes[index] = ("ok", action())
        except Exception as error:  # recorded for the assertions
            outcomes[index] = ("error", error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_conflicting_transitions_at_once_one_wins_one_gets_a_clear_error(supervisor):
    case = climb_to(create_case(dpd=40), CaseState.PHONE, by=supervisor)
    # Both users loaded the case on the phone rung before either acted.
    for_escalation = CollectionCase.objects.get(pk=case.pk)
    for_settlement = CollectionCase.objects.get(pk=case.pk)
    outcomes = _run_together(
        lambda: services.escalate(for_escalation, by=supervisor, reason="letter"),
        lambda: services.apply_transition(for_settlement, "settle", by=supervisor, reason="settled for less"),
    )
    kinds = sorted(kind for kind, _ in outcomes)
    assert kinds == ["error", "ok"], outcomes
    error = next(value for kind, value in outcomes if kind == "error")
    assert isinstance(error, CaseChangedConcurrently) and "reload" in str(error)
    final = CollectionCase.objects.get(pk=case.pk).state
    assert final in (CaseState.WRITTEN_NOTICE, CaseState.RESOLVED)
    transitions = CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.TRANSITION, from_state=CaseState.PHONE)
    assert transitions.count() == 1 and transitions.get().to_state == final


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_same_payment_arriving_twice_at_once_is_recorded_once():
    case = create_case(dpd=40)
    paid_at = timezone.now()
    outcomes = _run_together(
        *[(lambda: services.record_payment(case.account, Decimal("700.00"), paid_at, "RACE-1")) for _ in range(4)]
    )
    assert all(kind == "ok" for kind, _ in outcomes), outcomes
    assert Payment.objects.filter(reference="RACE-1").count() == 1
    assert case.account.__class__.objects.get(pk=case.account_id).outstanding_total == Decimal("4300.00")
