"""The nightly cycle's record of moved cases, written as plain SQL (cases/bulk_records.py):
the same history rows, events and ledger queue entries bulk_create and
bulk_history_create wrote before, and a ledger that verifies."""

from types import SimpleNamespace

from django.utils import timezone
from simple_history.models import HistoricalRecords

from audit import ledger as audit
from audit.models import AuditQueue
from cases import jobs
from cases.models import CaseEvent, CaseState, CollectionCase
from policy.selectors import current_profile
from tests.factories import create_case

HISTORY = CollectionCase.history.model


def _as_bulk_history_create_writes(case, now, reason):
    """The history row bulk_history_create(update=True) makes of ``case``, unsaved."""
    return HISTORY.objects.none().model(
        history_date=now,
        history_user=HISTORY.get_default_history_user(case),
        history_change_reason=reason,
        history_type="~",
        **{field.attname: getattr(case, field.attname) for field in HISTORY.tracked_fields},
    )


def _columns(row):
    return {field.attname: getattr(row, field.attname) for field in HISTORY._meta.concrete_fields}


def test_escalation_records_the_rows_bulk_history_create_would_and_the_ledger_verifies(db):
    cases = [create_case(dpd=dpd) for dpd in (3, 12, 45)]
    audit.seal_pending()
    now = timezone.now()
    queued_before = AuditQueue.objects.count()

    assert jobs.refresh_delinquency(now)["escalated_to_reminder"] == 3

    for case in cases:
        moved = CollectionCase.objects.get(pk=case.pk)
        row = HISTORY.objects.get(id=case.pk, history_date=now)
        expected = _as_bulk_history_create_writes(moved, now, "nightly: start_reminders")
        assert {**_columns(row), "history_id": None} == {**_columns(expected), "history_id": None}
        event = CaseEvent.objects.get(case=case, transition="start_reminders")
        label = current_profile("CN").label
        assert (event.at, event.kind, event.actor_id, event.from_state, event.to_state) == (
            now,
            CaseEvent.Kind.TRANSITION,
            None,
            CaseState.NEW,
            CaseState.REMINDER,
        )
        assert (event.code, event.params, event.reason, event.profile_label) == (
            "escalated_by_nightly_cycle",
            {},
            "",
            label,
        )
        assert event.rules == [
            {
                "rule": "reminder_dpd_reached",
                "passed": True,
                "inputs": {"days_past_due": moved.account.days_past_due, "minimum": 1, "profile": label},
            }
        ]

    # Queued as before: the events, then the history rows, in the same order of cases.
    queued = list(AuditQueue.objects.order_by("id").values_list("table_name", "row_pk")[queued_before:])
    events = [
        (CaseEvent._meta.db_table, pk)
        for pk in CaseEvent.objects.filter(at=now, transition="start_reminders")
        .order_by("pk")
        .values_list("pk", flat=True)
    ]
    history = [
        (HISTORY._meta.db_table, pk)
        for pk in HISTORY.objects.filter(history_date=now, history_type="~").order_by("pk").values_list("pk", flat=True)
    ]
    assert queued[-6:] == events + history
    case_order = [pk for _table, pk in events]
    assert [CaseEvent.objects.get(pk=pk).case_id for pk in case_order] == [
        HISTORY.objects.get(pk=pk).id for _table, pk in history
    ]

    audit.seal_pending()
    report = audit.verify_chain()
    assert report.ok, report.summary()


def test_a_nightly_cycle_run_inside_a_request_stamps_its_user_as_bulk_history_create_did(db, supervisor):
    case = create_case(dpd=3)
    now = timezone.now()
    HistoricalRecords.context.request = SimpleNamespace(user=supervisor)
    try:
        jobs.refresh_delinquency(now)
    finally:
        del HistoricalRecords.context.request
    assert HISTORY.objects.get(id=case.pk, history_date=now, history_type="~").history_user == supervisor
