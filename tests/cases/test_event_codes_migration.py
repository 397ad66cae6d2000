"""Migration 0014 reads the codes of the case events written before codes existed off their
old English sentences: each shape the services wrote, typed text kept as typed, anything
else left as it was, and the audit chain intact (the sealed columns are not touched)."""

from datetime import datetime
from decimal import Decimal
import importlib
import re
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone, translation
import pytest

from audit.ledger import seal_unsealed, verify_chain
from cases.event_text import describe

migration = importlib.import_module("cases.migrations.0014_caseevent_codes_from_old_reasons")
BEFORE_CODES = [("cases", "0012_protected_uploads")]
HAN = re.compile(r"[\u4e00-\u9fff]")
SHANGHAI = ZoneInfo(settings.TIME_ZONE)

# (kind, transition, by a person?, the old reason) -> (code, params) read off it
OLD_SHAPES = [
    ("opened", "", False, "28 days past due", "opened", {"days_past_due": 28}),
    (
        "opened",
        "",
        False,
        "Opened by the nightly cycle: the account is overdue.",
        "opened_by_nightly_cycle",
        {},
    ),
    ("assignment", "", True, "nobody → wang", "assigned", {"previous": "", "collector": "wang"}),
    ("assignment", "", True, "wang → nobody", "assigned", {"previous": "wang", "collector": ""}),
    (
        "notice",
        "",
        False,
        "sent 2026-11-23 14:30",
        "notice_sent",
        {"sent_at": datetime(2026, 11, 23, 14, 30, tzinfo=SHANGHAI).isoformat()},
    ),
    (
        "payment",
        "",
        False,
        "400.00 CNY (PAY-7); outstanding now 4600.00",
        "payment",
        {"amount": "400.00", "currency": "CNY", "reference": "PAY-7", "outstanding": "4600.00"},
    ),
    (
        "promise",
        "",
        True,
        "1000 CNY by 2026-12-01. Borrower will pay after payday.",
        "promise_recorded",
        {"amount": "1000", "currency": "CNY", "due_date": "2026-12-01", "note": "Borrower will pay after payday."},
    ),
    (
        "promise",
        "",
        True,
        "1000 CNY by 2026-12-01. Agreed on field visit 3.",
        "promise_recorded",
        {"amount": "1000", "currency": "CNY", "due_date": "2026-12-01", "visit": 3},
    ),
    ("promise", "", False, "Promise or plan broken.", "arrangement_broken", {}),
    (
        "plan",
        "",
        True,
        "4 instalments, 2000.00 CNY",
        "plan_agreed",
        {"count": 4, "total": "2000.00", "currency": "CNY"},
    ),
    (
        "plan",
        "",
        True,
        "12 instalments, 6000.00 CNY — awaiting supervisor approval",
        "plan_proposed",
        {"count": 12, "total": "6000.00", "currency": "CNY"},
    ),
    ("plan", "", True, "Plan 9 approved", "plan_approved", {"plan": 9}),
    ("hold_placed", "", True, "Dispute: fees contested", "hold_placed", {"kind": "dispute", "note": "fees contested"}),
    ("hold_placed", "", True, "Hardship", "hold_placed", {"kind": "hardship"}),
    ("hold_placed", "", True, "争议: 滞纳金有异议", "hold_placed", {"kind": "dispute", "note": "滞纳金有异议"}),
    ("hold_released", "", True, "Cease-communication request", "hold_released", {"kind": "cease_communication"}),
    (
        "hold_released",
        "",
        False,
        "Breathing space: ended on its end date",
        "hold_expired",
        {"kind": "breathing_space"},
    ),
    (  # a person's release note that reads like the nightly job's: kept as their note
        "hold_released",
        "",
        True,
        "Breathing space: ended on its end date",
        "hold_released",
        {"kind": "breathing_space", "note": "ended on its end date"},
    ),
    (
        "transition",
        "start_arrangement",
        False,
        "Promise to pay recorded by wang.",
        "after_promise",
        {"username": "wang"},
    ),
    (
        "transition",
        "start_arrangement",
        False,
        "Repayment plan agreed by system.",
        "after_plan_agreed",
        {"username": ""},
    ),
    (
        "transition",
        "start_arrangement",
        False,
        "Repayment plan approved by lee.",
        "after_plan_approved",
        {"username": "lee"},
    ),
    (
        "transition",
        "put_on_hold",
        False,
        "Cease-communication request hold placed by lee.",
        "after_hold_placed",
        {"kind": "cease_communication", "username": "lee"},
    ),
    (
        "transition",
        "release_from_hold",
        False,
        "Deceased hold released by lee.",
        "after_hold_released",
        {"kind": "deceased", "username": "lee"},
    ),
    ("transition", "release_from_hold", False, "Hold ended on its end date.", "released_hold_expired", {}),
    ("transition", "resolve", False, "Paid in full by payment PAY-7.", "paid_in_full", {"reference": "PAY-7"}),
    ("transition", "resolve", False, "Nightly cycle: the balance is paid.", "resolved_by_nightly_cycle", {}),
    (
        "transition",
        "end_arrangement",
        False,
        "Arrangement fulfilled by payment PAY-7.",
        "arrangement_fulfilled",
        {"reference": "PAY-7"},
    ),
    ("transition", "end_arrangement", False, "Promise or plan broken.", "arrangement_broken", {}),
    ("transition", "escalate_to_phone", False, "Nightly cycle.", "escalated_by_nightly_cycle", {}),
    (
        "transition",
        "escalate_to_field_visit",
        True,
        "Field visit 3 approved by lee.",
        "after_visit_approved",
        {"visit": 3, "username": "lee"},
    ),
    ("visit", "visit:requested", True, "Visit 3: requested", "visit_requested", {"visit": 3}),
    (
        "visit",
        "visit:requested",
        True,
        "Visit 3: requested as a documented exception (flagged for compliance)",
        "visit_requested_as_exception",
        {"visit": 3},
    ),
    ("visit", "visit:approved", True, "Visit 3: approved", "visit_approved", {"visit": 3}),
    (
        "visit",
        "visit:approved",
        True,
        "Visit 3: Go ahead, two agents.",
        "visit_approved",
        {"visit": 3, "note": "Go ahead, two agents."},
    ),
    (
        "visit",
        "visit:approved",
        False,
        "Visit 3: notice queued by sms letter",
        "visit_notice_queued",
        {"visit": 3, "channels": "sms letter"},
    ),
    ("visit", "visit:notified", False, "Visit 3: notice sent by sms", "visit_notified", {"visit": 3, "channel": "sms"}),
    ("visit", "visit:in_progress", True, "Visit 3: checked in", "visit_checked_in", {"visit": 3}),
    ("visit", "visit:completed", True, "Visit 3: report filed", "visit_completed", {"visit": 3}),
    (
        "visit",
        "visit:rejected",
        True,
        "Visit 3: Too soon after the last one.",
        "visit_rejected",
        {"visit": 3, "note": "Too soon after the last one."},
    ),
    ("visit", "visit:aborted", True, "Visit 3: 狗在院子里。", "visit_aborted", {"visit": 3, "note": "狗在院子里。"}),
    (
        "visit",
        "visit:cancelled",
        False,
        "Visit 3: The notice left too late for the announced window.",
        "visit_notice_too_late",
        {"visit": 3},
    ),
    (
        "visit",
        "visit:cancelled",
        False,
        "Visit 3: Case resolved: Paid in full by payment PAY-7.",
        "visit_case_stopped",
        {"visit": 3, "state": "resolved"},
    ),
    (
        "visit",
        "visit:cancelled",
        False,
        "Visit 3: Case 停催中: 争议 hold placed by lee.",
        "visit_case_stopped",
        {"visit": 3, "state": "on_hold"},
    ),
    (
        "visit",
        "visit:cancelled",
        True,
        "Visit 3: Borrower moved away.",
        "visit_cancelled",
        {"visit": 3, "note": "Borrower moved away."},
    ),
]

# Typed by people, or shapes no pattern knows: left as they are.
NOT_READ = [
    ("assignment", "", True, "turn 3"),
    ("transition", "write_off", True, "Borrower deceased, estate has no assets."),
    ("transition", "escalate_to_phone", True, "test setup"),
    ("transition", "escalate_to_phone", True, "Nightly cycle, as the supervisor says"),
    ("visit", "visit:notified", False, "Visit 3: mark notified"),
    ("payment", "", False, "paid at the branch"),
]


@pytest.mark.parametrize("kind, transition, by_person, reason, code, params", OLD_SHAPES)
def test_each_old_sentence_gives_its_code_and_parameters(kind, transition, by_person, reason, code, params):
    found = migration.parse(kind, transition, 7 if by_person else None, reason)
    assert found == (code, {"note": "", **params})


@pytest.mark.parametrize("kind, transition, by_person, reason", NOT_READ)
def test_what_no_pattern_knows_keeps_its_reason(kind, transition, by_person, reason):
    assert migration.parse(kind, transition, 7 if by_person else None, reason) is None


# --- the migration on a database written before codes ----------------------------------------


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    executor.loader.build_graph()
    # Every app as it stands now (only cases went back), not just what ``targets`` need.
    return executor._create_project_state(with_applied_migrations=True).apps


def _old_case(apps):
    """A case and its history row (the live-row check wants one), as the old code wrote it."""
    borrower = apps.get_model("cases", "Borrower").objects.create(full_name="Old Borrower", national_id="1101011990")
    account = apps.get_model("cases", "LoanAccount").objects.create(
        borrower=borrower,
        loan_number="OLD-EVENTS-1",
        product="cash loan",
        principal=Decimal("5000.00"),
        outstanding_principal=Decimal("4600.00"),
    )
    case = apps.get_model("cases", "CollectionCase").objects.create(account=account, state="phone")
    apps.get_model("cases", "HistoricalCollectionCase").objects.create(
        **{f.attname: getattr(case, f.attname) for f in case._meta.concrete_fields},
        history_date=timezone.now(),
        history_type="+",
    )
    return case


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_old_events_are_read_and_the_chain_still_verifies():
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    try:
        old_apps = _migrate(BEFORE_CODES)
        actor = old_apps.get_model("auth", "User").objects.create(username="lee")
        case = _old_case(old_apps)
        OldEvent = old_apps.get_model("cases", "CaseEvent")
        rows = [
            (kind, reason, OldEvent.objects.create(case=case, kind=kind, transition=transition, reason=reason).pk)
            for kind, transition, _by, reason, _code, _params in OLD_SHAPES[:8]
        ]
        typed = OldEvent.objects.create(case=case, kind="transition", transition="write_off", actor=actor, reason="x")
        from simple_history.models import HistoricalChanges  # noqa: PLC0415  (historical models only)

        chained = [m for m in old_apps.get_models() if issubclass(m, HistoricalChanges)]
        chained += [OldEvent, old_apps.get_model("audit", "AccessLog")]
        seal_unsealed(
            chained,
            ledger=old_apps.get_model("audit", "AuditLedger"),
            head=old_apps.get_model("audit", "AuditLedgerHead"),
            key_id=settings.AUDIT_LEDGER_KEY_ID,
        )

        _migrate(latest)

        from audit.models import AuditLedger  # noqa: PLC0415  (the models of the latest state)
        from cases.models import CaseEvent  # noqa: PLC0415

        for (_kind, reason, pk), (_k, _t, _b, _r, code, params) in zip(rows, OLD_SHAPES, strict=False):
            event = CaseEvent.objects.get(pk=pk)
            assert (event.code, event.params, event.reason) == (code, {"note": "", **params}, reason)
        assert (CaseEvent.objects.get(pk=typed.pk).code, CaseEvent.objects.get(pk=typed.pk).params) == ("", {})

        # The sealed columns were not touched: each entry still names (and matches) what it hashed.
        report = verify_chain()
        assert report.ok and report.backlog_rows == 0, report.summary()
        sealed = AuditLedger.objects.get(table_name=CaseEvent._meta.db_table, row_pk=rows[0][2])
        assert "reason" in sealed.fields.split() and "code" not in sealed.fields.split()

        # Read in each reader's language now, not in the English they were written in.
        events = [CaseEvent.objects.get(pk=pk) for _kind, _reason, pk in rows]
        with translation.override("zh-hans"):
            chinese = [describe(event) for event in events]
        with translation.override("en"):
            english = [describe(event) for event in events]
        assert chinese[0] == "入催：逾期 28 天。" and english[0] == "Case opened: 28 days past due."
        assert all(HAN.search(text) for text in chinese) and not any(HAN.search(text) for text in english)
        assert "Borrower will pay after payday." in english[6] and "Borrower will pay after payday." in chinese[6]
        assert describe(CaseEvent.objects.get(pk=typed.pk)) == "x"
    finally:
        _migrate(latest)
