"""The audit chain: untouched history verifies; any edit made behind the application's back
(raw SQL on a history row, a case event, the access log or the ledger itself), a deleted
row or an inserted one is named by table, primary key and ledger sequence number."""

from decimal import Decimal
import threading
import time
from zoneinfo import ZoneInfo

from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
import pytest

from audit import ledger as audit
from audit.models import AccessLog, AuditLedger, AuditLedgerHead, AuditQueue
from audit.services import log_pii_access
from cases import services as case_services
from cases.models import CaseEvent, CollectionCase, Hold
from compliance.models import Finding, Rule
from contacts.models import ContactAttempt
from policy.codes import Channel
from tests.clients import client_for
from tests.clock import ago
from tests.factories import climb_to, create_case, make_attempt

CASE_HISTORY = CollectionCase.history.model._meta.db_table


def _raw(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        assert cursor.rowcount == 1


def _ledger_seq(row) -> int:
    return AuditLedger.objects.get(table_name=row._meta.db_table, row_pk=row.pk).seq


def _busy_case(supervisor):
    case = climb_to(create_case(dpd=40), "phone", by=supervisor)
    case_services.place_hold(case, Hold.Kind.DISPUTE, by=supervisor, note="says the loan is not theirs")
    make_attempt(case, ago(days=1), allowed=False, reasons=["outside_hours"])
    audit.seal_pending()  # what a sealer does right after the commits
    return CollectionCase.objects.get(pk=case.pk)


def test_an_untouched_database_passes_and_every_row_is_sealed(db, supervisor):
    case = _busy_case(supervisor)
    log_pii_access(supervisor, case.account.borrower, "case page")
    audit.seal_pending()
    report = audit.verify_chain()
    assert report.ok, report.summary()
    history_rows = sum(m._default_manager.count() for m in audit.chained_models())
    assert report.entries_checked == history_rows == AuditLedger.objects.count() > 10
    head = AuditLedgerHead.objects.get()
    assert (head.last_seq, head.last_hash) == (report.head_seq, report.head_hash)


def test_a_raw_sql_edit_of_a_history_row_is_named(db, supervisor):
    case = _busy_case(supervisor)
    tampered = CollectionCase.history.filter(id=case.pk).order_by("history_id")[1]
    _raw(f"UPDATE {CASE_HISTORY} SET history_change_reason = %s WHERE history_id = %s", ["x", tampered.history_id])

    report = audit.verify_chain()
    assert not report.ok
    first = report.first_problem
    assert (first.kind, first.table, first.row_pk, first.seq) == (
        "content",
        CASE_HISTORY,
        tampered.history_id,
        _ledger_seq(tampered),
    )
    assert len(report.problems) == 1  # the rest of the chain still holds

    with pytest.raises(CommandError, match=rf"table={CASE_HISTORY} pk={tampered.history_id} seq={first.seq}"):
        call_command("verify_audit_chain")


def test_edits_of_case_events_access_log_and_ledger_are_detected(db, supervisor, reviewer):
    case = _busy_case(supervisor)
    event = case.events.order_by("pk").first()
    _raw(f"UPDATE {CaseEvent._meta.db_table} SET reason = %s WHERE id = %s", ["nothing happened", event.pk])
    access = log_pii_access(reviewer, case.account.borrower, "dossier")
    audit.seal_pending()
    _raw(f"UPDATE {AccessLog._meta.db_table} SET user_id = NULL WHERE id = %s", [access.pk])
    report = audit.verify_chain()
    assert [(p.kind, p.table, p.row_pk) for p in report.problems] == [
        ("content", CaseEvent._meta.db_table, event.pk),
        ("content", AccessLog._meta.db_table, access.pk),
    ]

    # Rewriting a link instead makes the next one stop following from it.
    entry = AuditLedger.objects.order_by("seq")[3]
    _raw(f"UPDATE {AuditLedger._meta.db_table} SET content_hash = %s WHERE seq = %s", ["0" * 64, entry.seq])
    kinds = {(p.kind, p.seq) for p in audit.verify_chain().problems}
    assert ("entry", entry.seq) in kinds and ("content", entry.seq) in kinds


def test_deleted_rows_and_removed_links_are_detected(db, supervisor):
    case = _busy_case(supervisor)
    gone = Hold.history.filter(case_id=case.pk).first()
    _raw(f"DELETE FROM {Hold.history.model._meta.db_table} WHERE history_id = %s", [gone.history_id])
    first = audit.verify_chain().first_problem
    assert (first.kind, first.row_pk, first.seq) == ("missing_row", gone.history_id, _ledger_seq(gone))

    last = AuditLedger.objects.order_by("-seq").first()
    last.delete()  # the chain's end cut off: the head still names it
    assert any(p.kind == "head" for p in audit.verify_chain().problems)


def test_rows_written_in_bulk_are_unsealed_until_passed_to_ledger_append_many(db):
    """bulk_history_create (the nightly cycle) and bulk_create send no signal: such rows
    show as unsealed, exactly like rows inserted behind the application's back, until
    the writer hands them to ledger_append_many."""
    cases = [create_case(), create_case()]
    now = timezone.now()
    rows = CollectionCase.history.bulk_history_create(
        cases, update=True, default_change_reason="nightly: test", default_date=now
    )
    events = CaseEvent.objects.bulk_create([CaseEvent(case=c, at=now, kind=CaseEvent.Kind.TRANSITION) for c in cases])
    unsealed = {(p.table, p.row_pk) for p in audit.verify_chain().problems if p.kind == "unsealed"}
    assert unsealed == {(CASE_HISTORY, r.history_id) for r in rows} | {(CaseEvent._meta.db_table, e.pk) for e in events}

    audit.ledger_append_many([*events, *rows])
    assert audit.verify_chain().ok


def test_values_hash_the_same_in_memory_and_read_back(db, collector):
    """A history row is hashed from the instance just saved and re-hashed from the
    database: time zones, decimal scale, JSON key order and file names must not differ."""
    case = create_case(collector=collector)
    made = make_attempt(
        case,
        timezone.now().astimezone(ZoneInfo("America/New_York")),
        agent=collector,
        allowed=False,
        reasons=["weekly_cap", "outside_hours"],
        channel=Channel.SMS,
    )
    case_services.record_payment(case.account, Decimal("12"), ago(hours=1), "REF-HASH-1")
    audit.seal_pending()
    assert AuditLedger.objects.filter(
        table_name=ContactAttempt.history.model._meta.db_table, row_pk=made.history.get().history_id
    ).exists()
    assert audit.verify_chain().ok


def test_reviewers_verify_from_the_admin_and_a_broken_chain_becomes_a_finding(db, supervisor, reviewer, collector):
    case = _busy_case(supervisor)
    client = client_for(reviewer)
    for listing in ("admin:audit_auditledger_changelist", "admin:compliance_finding_changelist"):
        assert "Verify audit chain" in client.get(reverse(listing)).content.decode()
    ok = client.post(reverse("admin:audit_auditledger_verify"), {"back": "ledger"}, follow=True)
    assert "Audit chain intact" in ok.content.decode()
    assert not Finding.objects.filter(rule=Rule.AUDIT_CHAIN).exists()

    tampered = CollectionCase.history.filter(id=case.pk).first()
    _raw(f"UPDATE {CASE_HISTORY} SET history_change_reason = %s WHERE history_id = %s", ["x", tampered.history_id])
    broken = client.post(reverse("admin:compliance_finding_verify_chain"), follow=True).content.decode()
    assert "BROKEN" in broken and f"{CASE_HISTORY} row {tampered.history_id}" in broken
    client.post(reverse("admin:compliance_finding_verify_chain"))  # twice: still one finding
    finding = Finding.objects.get(rule=Rule.AUDIT_CHAIN)
    assert finding.severity == "high" and str(tampered.history_id) in finding.summary

    assert client_for(collector).post(reverse("admin:audit_auditledger_verify")).status_code == 403
    assert client.get(reverse("admin:audit_auditledger_verify")).status_code == 403  # POST only


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_writers_never_wait_for_the_ledger_and_never_fork_it(supervisor):
    """Two transactions write audited rows at once: the second does not wait for the
    first (writers only queue their rows; no ledger lock is held in a writer's
    transaction), and once sealed the two are consecutive links of one chain."""
    borrower = create_case().account.borrower
    first_is_open, errors, written, took = threading.Event(), [], {}, {}

    def first():
        try:
            with transaction.atomic():
                written["first"] = log_pii_access(supervisor, borrower, "first")
                first_is_open.set()
                threading.Event().wait(2.0)  # keep the transaction open while the second writes
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    def second():
        try:
            first_is_open.wait(5)
            started = time.monotonic()
            with transaction.atomic():
                written["second"] = log_pii_access(supervisor, borrower, "second")
            took["second"] = time.monotonic() - started
        except Exception as error:  # pragma: no cover
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert not errors
    assert took["second"] < 1.0  # committed while the first was still open (a waiter takes 2 s)
    audit.seal_pending()
    one, two = sorted(
        (AuditLedger.objects.get(table_name=AccessLog._meta.db_table, row_pk=written[k].pk) for k in written),
        key=lambda entry: entry.seq,
    )
    assert two.seq == one.seq + 1 and two.previous_hash == one.entry_hash
    assert audit.verify_chain().ok


def test_a_long_job_queues_its_rows_in_one_insert_and_never_touches_the_head(db, supervisor):
    """sealing_deferred: rows are queued when the block ends, in one INSERT; the job's
    transaction never reads or locks the ledger head. The sealer then links them."""
    cases = [create_case(), create_case()]
    audit.seal_pending()
    before = AuditLedger.objects.count()
    with CaptureQueriesContext(connection) as queries:
        with transaction.atomic(), audit.sealing_deferred():
            for case in cases:
                case_services.assign_case(case, None, by=supervisor)  # a history row and an event, by signal
            rows = CollectionCase.history.bulk_history_create(cases, update=True, default_change_reason="nightly")
            audit.ledger_append_many(rows)
            assert AuditQueue.objects.count() == 0  # nothing queued yet
    assert AuditQueue.objects.count() == 6 and AuditLedger.objects.count() == before
    queue_inserts = [
        q["sql"] for q in queries.captured_queries if q["sql"].startswith(f'INSERT INTO "{AuditQueue._meta.db_table}"')
    ]
    assert len(queue_inserts) == 1
    assert not [q for q in queries.captured_queries if AuditLedgerHead._meta.db_table in q["sql"]]
    assert audit.seal_pending() == 6 and AuditQueue.objects.count() == 0
    assert AuditLedger.objects.count() == before + 6
    assert audit.verify_chain().ok


def test_a_row_resealed_without_the_key_is_detected(db, supervisor):
    """Someone with the database but not the key edits a history row and re-seals it:
    recomputes its content hash and every later link with the public SHA-256, and moves
    the head. The links are HMACs under a key the database does not hold: detected."""
    case = _busy_case(supervisor)
    tampered = CollectionCase.history.filter(id=case.pk).order_by("history_id")[1]
    _raw(f"UPDATE {CASE_HISTORY} SET history_change_reason = %s WHERE history_id = %s", ["x", tampered.history_id])
    entries = list(AuditLedger.objects.filter(seq__gte=_ledger_seq(tampered)).order_by("seq"))
    previous = entries[0].previous_hash
    fields = CollectionCase.history.model._meta.concrete_fields
    for entry in entries:
        if entry.row_pk == tampered.history_id and entry.table_name == CASE_HISTORY:
            row = CollectionCase.history.model.objects.values(*[f.attname for f in fields]).get(pk=entry.row_pk)
            entry.content_hash = audit.content_hash(CASE_HISTORY, entry.row_pk, [(f, row[f.attname]) for f in fields])
        entry.previous_hash = previous
        entry.entry_hash = audit.entry_hash(entry.seq, entry.table_name, entry.row_pk, entry.content_hash, previous)
        entry.key_id = ""
        entry.save()
        previous = entry.entry_hash
    AuditLedgerHead.objects.filter(pk=1).update(last_hash=previous)
    problems = audit.verify_chain().problems
    assert problems and problems[0].kind == "entry" and problems[0].seq == _ledger_seq(tampered)


def test_a_chain_rewritten_with_the_key_is_caught_by_its_anchor(db, supervisor, settings):
    """Even with the key, the heads already anchored outside the database bind the chain."""
    case = _busy_case(supervisor)
    anchored_head = AuditLedgerHead.objects.get()
    audit.anchor(f"2026-11-24T00:00:00+00:00 seq={anchored_head.last_seq} hash={anchored_head.last_hash} key=k1")
    assert audit.verify_chain().ok and audit.verify_chain().anchors_checked == 1
    tampered = CollectionCase.history.filter(id=case.pk).order_by("history_id")[1]
    _raw(f"UPDATE {CASE_HISTORY} SET history_change_reason = %s WHERE history_id = %s", ["x", tampered.history_id])
    # The whole chain re-sealed from the genesis with the real key: links and rows agree again…
    AuditLedger.objects.all().delete()
    AuditLedgerHead.objects.all().delete()
    audit.seal_unsealed(audit.chained_models(), key_id=settings.AUDIT_LEDGER_KEY_ID)
    report = audit.verify_chain()
    # …but no longer pass through the anchored head.
    assert [(p.kind, p.seq) for p in report.problems] == [("anchor", anchored_head.last_seq)]


def test_the_report_states_the_backlog_and_a_row_deleted_before_sealing(db, supervisor):
    case = _busy_case(supervisor)
    access = log_pii_access(supervisor, case.account.borrower, "case page")
    report = audit.verify_chain()
    assert report.ok and report.backlog_rows == 1 and "1 row(s) waiting to be sealed" in report.summary()
    _raw(f"DELETE FROM {AccessLog._meta.db_table} WHERE id = %s", [access.pk])
    assert audit.seal_pending() == 1
    first = audit.verify_chain().first_problem
    assert (first.kind, first.table, first.row_pk) == ("missing_row", AccessLog._meta.db_table, access.pk)
    assert "before it was sealed" in first.detail


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize(
    "reader, page", [("supervisor", "admin:cases_collectioncase_change"), ("collector", "desk:case")]
)
def test_a_page_view_queues_its_access_row_and_seals_nothing(request, collector, reader, page):
    """Reading a case page (the supervisor's admin page, the collector's desk) writes its
    access-log row and queues it; the sealer links it later. The request never touches
    the ledger's head row."""
    case = create_case(dpd=10, collector=collector)
    audit.seal_pending()
    client = client_for(request.getfixturevalue(reader))
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse(page, args=[case.pk])).status_code == 200
    assert not [q for q in queries.captured_queries if "auditledgerhead" in q["sql"]]
    assert list(AuditQueue.objects.values_list("table_name", flat=True)) == [AccessLog._meta.db_table]
    report = audit.verify_chain()
    assert report.ok and report.backlog_rows == 1
    assert audit.seal_pending() == 1 and audit.verify_chain().backlog_rows == 0
