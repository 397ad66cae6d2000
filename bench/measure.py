"""
The measurements on the book: the nightly cycle against its raw-SQL floor, the outbox,
and the compliance engine. Each leaves the book as it found it (the nightly cycle runs
in a transaction that is rolled back; the outbox rows and the attempts their sending
recorded are deleted), so ``--reuse`` measures the same book again.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from pathlib import Path
import random
import shutil
import tempfile
import time

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone

from audit.ledger import seal_pending
from cases import jobs
from cases.models import (
    LADDER,
    CaseEvent,
    CaseState,
    CollectionCase,
    ContactPoint,
    Hold,
    LoanAccount,
)
from contacts import engine
from contacts.models import ContactAttempt, OutboundMessage
from contacts.outbox import approved_templates, dispatch_outbox, plan_reminders, template_for
from contacts.services import check_contact
from policy.codes import Channel

from .bulk import vacuum_analyze, vacuum_tables
from .dispatchers import dispatching
from .night import whole_night
from .timing import QueryCounter, Stopwatch, latency_summary

FILE_GATEWAY = "contacts.gateways.file.FileGateway"
# The tables the nightly cycle writes: vacuumed after its rolled-back runs so later
# measurements do not read past dead rows.
NIGHTLY_TABLES = [LoanAccount, CollectionCase, CaseEvent, CollectionCase.history.model, Hold]


def _seconds(value: float) -> float:
    return round(value, 3)


# --- the nightly cycle ----------------------------------------------------------------------


def raw_floor(today) -> dict:
    """One UPDATE giving every owing account today's days past due: the least work the
    nightly DPD step can do (rolled back)."""
    table = LoanAccount._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor, Stopwatch() as watch:
        cursor.execute(
            f"UPDATE {table} SET days_past_due = GREATEST(%s::date - oldest_unpaid_due_date, 0) "
            "WHERE oldest_unpaid_due_date IS NOT NULL "
            "AND (outstanding_principal + outstanding_interest + outstanding_fees) > 0",
            [today],
        )
        rows = cursor.rowcount
        transaction.set_rollback(True)
    return {"seconds": _seconds(watch.seconds), "rows": rows}


def _run_counted(func, **kwargs) -> dict:
    with QueryCounter() as counter, Stopwatch() as watch:
        counts = func(**kwargs)
    return {
        "seconds": _seconds(watch.seconds),
        "queries": counter.count,
        "db_seconds": _seconds(counter.seconds),
        "counts": counts,
        "slowest_queries": counter.slowest(),
    }


# The steps of refresh_delinquency, in its order, for the breakdown (skipped if renamed).
NIGHTLY_STEPS = [
    ("recompute_days_past_due", lambda now: jobs.recompute_days_past_due(timezone.localdate(now))),
    ("resolve_paid_cases", lambda now: jobs.resolve_paid_cases(now)),
    ("open_cases_for_delinquent_accounts", lambda now: jobs.open_cases_for_delinquent_accounts(now)),
    ("escalate_by_policy", lambda now: jobs.escalate_by_policy(now)),
    ("release_expired_holds", lambda now: jobs.services.release_expired_holds(now)),
]


def nightly_cycle(progress) -> dict:
    """refresh_delinquency on the whole book twice (the second finds nothing to do), its
    raw-SQL floor, and the time of each of its steps — all rolled back."""
    today = timezone.localdate()
    vacuum_analyze([LoanAccount])  # same starting heap for the floor and the job
    progress("nightly: raw-SQL floor")
    floor = raw_floor(today)
    vacuum_analyze([LoanAccount])
    progress("nightly: refresh_delinquency, first run")
    with transaction.atomic():
        first = _run_counted(jobs.refresh_delinquency)
        progress(f"nightly: first run {first['seconds']:.1f} s; second run")
        second = _run_counted(jobs.refresh_delinquency)
        # The ledger is sealed after commit, off the job's clock: measured here on the rows
        # the first run queued (its history rows and case events), then rolled back too.
        progress("nightly: sealing what it wrote in the audit ledger")
        with Stopwatch() as watch:
            sealed = seal_pending()
        sealing = {
            "rows": sealed,
            "seconds": _seconds(watch.seconds),
            "rows_per_second": round(sealed / watch.seconds) if watch.seconds else None,
        }
        transaction.set_rollback(True)
    vacuum_analyze(NIGHTLY_TABLES)
    progress("nightly: step breakdown")
    steps = {}
    try:
        with transaction.atomic():
            now = timezone.now()
            for name, step in NIGHTLY_STEPS:
                with QueryCounter(keep=1) as counter, Stopwatch() as watch:
                    result = step(now)
                steps[name] = {
                    "seconds": _seconds(watch.seconds),
                    "queries": counter.count,
                    "result": result,
                    "slowest_query": counter.slowest(),
                }
            transaction.set_rollback(True)
    except AttributeError as missing:  # a step was renamed: the headline numbers still stand
        steps = {"error": str(missing)}
    vacuum_analyze(NIGHTLY_TABLES)
    night = whole_night(floor["seconds"], progress)
    vacuum_tables(night["whole_night"]["row_writes"])
    return {
        **night,
        "first_run": first,
        "second_run": second,
        "raw_floor": floor,
        "ratio_to_floor": round(first["seconds"] / floor["seconds"], 1) if floor["seconds"] else None,
        "audit_sealing_after_commit": sealing,
        "steps_first_run": steps,
    }


# --- the outbox ---------------------------------------------------------------------------------


def _choose_due(candidate_ids: list[int], wanted: int, rng: random.Random) -> tuple[list[int], list[int]]:
    """Up to ``wanted`` planned messages (and up to as many the engine refuses now), preferring ones the engine allows now (inside
    contact hours, consent, under the caps; one per case and channel), so the throughput
    measures sending whatever the hour. The rest are not picked: a deferral or a
    suppression is a few statements, not a send (both are reported apart if they happen
    at send time anyway)."""
    rng.shuffle(candidate_ids)
    now = timezone.now()
    sendable, waiting = [], []
    for start in range(0, len(candidate_ids), 500):
        if len(sendable) >= wanted:
            break
        batch = OutboundMessage.objects.filter(pk__in=candidate_ids[start : start + 500]).select_related(
            "case__account__borrower", "contact_point", "template"
        )
        by_channel: dict[tuple, list[OutboundMessage]] = {}
        for message in batch:
            by_channel.setdefault((message.channel, message.template_id), []).append(message)
        for (channel, _), messages in by_channel.items():
            unique = {m.case_id: m for m in messages}
            facts = engine.load_facts(
                [m.case for m in unique.values()],
                channel,
                now,
                {m.case_id: m.contact_point for m in unique.values()},
                messages[0].template,
            )
            allowed = {m.pk for m, fact in zip(unique.values(), facts, strict=True) if engine.decide(fact).allowed}
            for message in messages:
                (sendable if message.pk in allowed else waiting).append(message.pk)
    return sendable[:wanted], waiting[:wanted]


def _top_up(count: int, rng: random.Random) -> list[int]:
    """SMS reminders for random cases on the reminder and phone rungs when planning found
    fewer messages than wanted (a tiny book, or a day with little cadence)."""
    templates = approved_templates()
    now = timezone.now()
    slot = now.replace(second=0, microsecond=0)
    cases = list(
        CollectionCase.objects.filter(
            state__in=[CaseState.REMINDER, CaseState.PHONE], account__borrower__vulnerable=False
        )
        .select_related("account__borrower")
        .order_by("?")[: count * 2]
    )
    phones = {
        p.borrower_id: p
        for p in ContactPoint.objects.filter(
            borrower_id__in=[c.account.borrower_id for c in cases],
            kind="phone",
            is_primary=True,
            is_invalid=False,
            opted_out=False,
            owner=ContactPoint.Owner.BORROWER,
        )
    }
    messages = []
    for case in cases:
        template = template_for("sms", case.account.borrower.language, templates)
        phone = phones.get(case.account.borrower_id)
        if template is None or phone is None or len(messages) >= count:
            continue
        messages.append(
            OutboundMessage(
                case=case,
                channel=Channel.SMS,
                template=template,
                contact_point=phone,
                slot=slot,
                scheduled_for=now,
                idempotency_key=OutboundMessage.key_for(case.pk, template.pk, slot, "-bench"),
            )
        )
    return [m.pk for m in OutboundMessage.objects.bulk_create(messages, batch_size=1000, ignore_conflicts=False)]


def _make_due(wanted: int, rng: random.Random, progress) -> dict:
    """plan_reminders, then ``wanted`` of the planned messages made due now (sendable ones
    first) and everything else planned parked a year ahead."""
    first_message = (OutboundMessage.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    first_attempt = (ContactAttempt.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    progress("outbox: plan_reminders")
    plan = _run_counted(plan_reminders)
    ours = OutboundMessage.objects.filter(pk__gte=first_message)
    candidates = list(ours.filter(state=OutboundMessage.State.SCHEDULED).order_by("pk").values_list("pk", flat=True))
    progress(f"outbox: {len(candidates):,} planned; choosing {wanted:,} due ones")
    due_ids, waiting = _choose_due(candidates, wanted, rng)
    topped_up = 0
    if len(due_ids) < wanted:
        # Planned SMS for more cases: a few times more than missing, as only the
        # borrowers inside contact hours now are picked from them.
        extra, _ = _choose_due(_top_up(5 * (wanted - len(due_ids)), rng), wanted - len(due_ids), rng)
        topped_up = len(extra)
        due_ids += extra
    # An hour when no borrower of a tiny book may be contacted: then deferrals are measured.
    due_ids = due_ids or waiting
    now = timezone.now()
    ours.update(scheduled_for=now + timedelta(days=365))
    for start in range(0, len(due_ids), 5000):
        ours.filter(pk__in=due_ids[start : start + 5000]).update(scheduled_for=now - timedelta(seconds=1))
    return {"plan": plan, "due": due_ids, "topped_up": topped_up, "first": (first_message, first_attempt)}


def _sent_once(first_message: int, first_attempt: int, files: int) -> dict:
    """What proves nothing was sent twice: one gateway file per sent message (files are
    named by the message's key), one recorded attempt per sent message, and no message
    holding an attempt another message holds."""
    sent = OutboundMessage.objects.filter(pk__gte=first_message, state=OutboundMessage.State.SENT)
    attempts = ContactAttempt.objects.filter(pk__gte=first_attempt, agent__isnull=True, allowed=True)
    messages_sent, attempts_sent = sent.count(), attempts.count()
    distinct = sent.values("attempt_id").distinct().count()
    return {
        "messages_sent": messages_sent,
        "gateway_files": files,
        "attempts_recorded": attempts_sent,
        "nothing_sent_twice": files == messages_sent == attempts_sent == distinct,
    }


def outbox(*, wanted: int, batch: int, seed: int, timeout: float, progress) -> dict:
    """plan_reminders, then dispatch_outbox(batch) in this process until nothing is due
    (statements counted); then, on a fresh due set of the same size each, one and two
    worker processes dispatching at once (bench/dispatchers.py)."""
    rng = random.Random(seed)
    due = _make_due(wanted, rng, progress)
    due_ids, (first_message, first_attempt) = due["due"], due["first"]
    folder = tempfile.mkdtemp(prefix="bench-outbox-")
    totals, calls, stopped = Counter(), 0, "nothing_due"
    progress(f"outbox: dispatching {len(due_ids):,} messages in batches of {batch}")
    try:
        gateways = {channel: FILE_GATEWAY for channel in Channel.values}
        with (
            override_settings(OUTBOX_DIR=folder, CONTACT_GATEWAYS=gateways),
            QueryCounter() as counter,
            Stopwatch() as watch,
        ):
            cpu = time.process_time()
            while True:
                counts = dispatch_outbox(batch=batch)
                calls += 1
                if not any(counts.values()):
                    break
                totals.update(counts)
                if time.perf_counter() - watch.started > timeout:
                    stopped = "timeout"
                    break
            cpu = time.process_time() - cpu
        files = sum(1 for _ in Path(folder).rglob("*.json"))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    processed = sum(totals.values())
    once = _sent_once(first_message, first_attempt, files)
    cleanup = _forget(first_message, first_attempt)
    report = {
        "plan_reminders": due["plan"],
        "dispatch": {
            "due": len(due_ids),
            "topped_up": due["topped_up"],
            "batch": batch,
            "calls": calls,
            "stopped": stopped,
            "seconds": _seconds(watch.seconds),
            "processed": processed,
            "messages_per_second": round(processed / watch.seconds, 1) if watch.seconds else None,
            "sent_per_second": round(totals["sent"] / watch.seconds, 1) if watch.seconds else None,
            # This process's CPU per sent message: steadier than wall time on a busy machine.
            "cpu_seconds": _seconds(cpu),
            "cpu_ms_per_sent": round(cpu * 1000 / totals["sent"], 2) if totals["sent"] else None,
            **{
                outcome: totals[outcome] for outcome in ("sent", "deferred", "suppressed", "retry", "failed", "skipped")
            },
            "files_written": files,
            **once,
            "queries": counter.count,
            "queries_per_message": round(counter.count / processed, 1) if processed else None,
            "db_seconds": _seconds(counter.seconds),
            "slowest_queries": counter.slowest(),
        },
        "cleanup": cleanup,
    }
    report["processes"] = {}
    for processes in (1, 2):
        due = _make_due(wanted, random.Random(seed), progress)
        folder = tempfile.mkdtemp(prefix="bench-outbox-")
        progress(f"outbox: {processes} worker process(es) dispatching {len(due['due']):,} messages")
        try:
            run = dispatching(processes=processes, folder=folder, batch=batch, timeout=timeout)
            files = sum(1 for _ in Path(folder).rglob("*.json"))
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        run |= {"due": len(due["due"]), **_sent_once(*due["first"], files)}
        run["cleanup"] = _forget(*due["first"])
        report["processes"]["one" if processes == 1 else "two"] = run
    one, two = report["processes"]["one"]["sent_per_second"], report["processes"]["two"]["sent_per_second"]
    report["processes"]["two_to_one"] = round(two / one, 2) if one and two else None
    return report


def _forget(first_message: int, first_attempt: int) -> str:
    """Delete this run's outbox rows and the attempts their sending recorded, so the next
    run plans and sends the same messages again. Plain SQL: through the ORM every deleted
    row would write a history row and an audit-ledger entry for benchmark scaffolding.
    (The history rows of the sends, and the case events of letters that started a notice
    lead time, stay: they are few.)

    The foreign keys pointing at the deleted rows are checked here, once per referencing
    table and set-based, and PostgreSQL's own per-row checks are switched off for the
    transaction (as the generator does for its load; superuser only). Those ran at COMMIT,
    one per deleted attempt, and read the outbox sequentially each time instead of its
    unique index on attempt_id: 10,000 attempts against ~100,000 planned messages took 4
    minutes at 1M cases, over 10 beside other work."""
    messages, attempts = OutboundMessage._meta.db_table, ContactAttempt._meta.db_table
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            if cursor.fetchone()[0]:
                cursor.execute("SET LOCAL session_replication_role = replica")
            # Each table's referencing rows are looked for before its rows go.
            for table, where, first in (
                (messages, "id >= %s", first_message),
                (attempts, "id >= %s AND agent_id IS NULL", first_attempt),
            ):
                for referencing, column in _foreign_keys_to(cursor, table):
                    cursor.execute(
                        f"SELECT count(*) FROM {referencing} WHERE {column} IN (SELECT id FROM {table} WHERE {where})",
                        [first],
                    )
                    if still := cursor.fetchone()[0]:
                        raise ValueError(f"{still} row(s) of {referencing}.{column} still refer to them")
                cursor.execute(f"DELETE FROM {table} WHERE {where}", [first])
    except Exception as error:  # e.g. a reference from a row made meanwhile: keep them, say so
        return f"kept: {error}"
    vacuum_analyze([OutboundMessage, ContactAttempt])  # the next run starts from an unbloated outbox
    return "deleted"


def _foreign_keys_to(cursor, table: str) -> list[tuple[str, str]]:
    """(referencing table, column) of every single-column foreign key pointing at ``table``."""
    cursor.execute(
        "SELECT c.conrelid::regclass::text, a.attname FROM pg_constraint c "
        "JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] "
        "WHERE c.contype = 'f' AND c.confrelid = %s::regclass",
        [table],
    )
    return cursor.fetchall()


# --- the compliance engine --------------------------------------------------------------------------


def check_contact_latency(*, calls: int, seed: int, progress) -> dict:
    """check_contact(case, phone call, primary phone) on ``calls`` random working cases,
    loaded up front as a view would have them; a warm-up pass, then the timed pass."""
    # The rungs collectors phone on (a reminder-rung case would only be told "not yet").
    workable = LADDER[LADDER.index(CaseState.PHONE) :] + [CaseState.ARRANGEMENT]
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(%s)", [(seed % 1000) / 1000])
    ids = list(CollectionCase.objects.filter(state__in=workable).order_by("?").values_list("pk", flat=True)[:calls])
    cases = list(CollectionCase.objects.filter(pk__in=ids).select_related("account__borrower"))
    phones = {}
    for point in ContactPoint.objects.filter(
        borrower_id__in={c.account.borrower_id for c in cases}, kind="phone", owner=ContactPoint.Owner.BORROWER
    ).order_by("-is_primary", "pk"):
        phones.setdefault(point.borrower_id, point)
    calls_made = [(case, phones.get(case.account.borrower_id)) for case in cases]
    progress(f"check_contact: warm-up over {len(calls_made):,} cases")
    for case, phone in calls_made:
        check_contact(case, Channel.PHONE_CALL, contact_point=phone)
    progress("check_contact: timed pass")
    durations, verdicts = [], Counter()
    clock = time.perf_counter
    with QueryCounter() as counter:
        for case, phone in calls_made:
            started = clock()
            decision = check_contact(case, Channel.PHONE_CALL, contact_point=phone)
            durations.append(clock() - started)
            verdicts.update(str(reason) for reason in decision.reasons or ["allowed"])
    case, phone = calls_made[0]
    with CaptureQueriesContext(connection) as one_call:
        check_contact(case, Channel.PHONE_CALL, contact_point=phone)
    return {
        "calls": len(durations),
        **latency_summary(durations),
        "queries_per_call": len(one_call.captured_queries),
        "db_ms_per_call": round(counter.seconds / len(durations) * 1000, 2) if durations else None,
        "verdicts": dict(verdicts.most_common(8)),
    }
