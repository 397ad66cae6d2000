"""
The fault scripts' steps inside Django (the scripts themselves only start processes and
servers): ``python -m bench.faults.run_step NAME [ARGS]`` runs one with DATABASE_URL
naming the fault's database and prints its result as JSON.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, time, timedelta
import json
from pathlib import Path
import random
import re

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import AutoField, BigAutoField, Count, Exists, OuterRef, Q, Sum
from django.utils import timezone

from audit.ledger import chained_models
from audit.live import check_live_rows
from audit.models import AuditLedger, AuditQueue
from audit.verify import verify_chain
from bench import book as bench_book
from bench.measure import _choose_due, _top_up
from bench.staff import PREFIX, ensure_staff, ensure_templates
from cases.models import CaseEvent, CollectionCase, LoanAccount
from contacts.models import ContactAttempt, OutboundMessage
from contacts.outbox import plan_reminders
from policy.models import PolicyProfile

from .redis_outage import REDIS_MESSAGES, REDIS_PASSWORD

VAR = Path(__file__).resolve().parents[2] / "var" / "faults"
KILL_MARKER = VAR / "kill-marker.json"
PG_MARK = VAR / "pg-mark.json"


def book(cases: str) -> dict:
    """The template database's book (bench/book), and profiles that allow contact at any hour."""
    staff = ensure_staff()
    templates = ensure_templates(staff)
    bench_book.generate(int(cases), seed=21, staff=staff, templates=templates, progress=lambda m: print(m, flush=True))
    # The faults run at any hour of the day: the private book's profiles allow contact
    # around the clock, so messages are sent rather than deferred to the morning.
    PolicyProfile.objects.update(contact_window_start=time(0, 0), contact_window_end=time(23, 59, 59))
    return {"cases": CollectionCase.objects.count()}


def kill_prepare(wanted: str, seed: str) -> dict:
    """``wanted`` messages due now, borrowers inside contact hours first (bench/measure.py's
    way of choosing); everything else planned is parked a year ahead."""
    wanted, rng = int(wanted), random.Random(int(seed))
    first_attempt = (ContactAttempt.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    plan_reminders()
    candidates = list(
        OutboundMessage.objects.filter(state=OutboundMessage.State.SCHEDULED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    # Those the engine allows now first, then those it refuses now (deferred or suppressed
    # at send time: those paths are killed too).
    sendable, refused = _choose_due(candidates, wanted, rng)
    due = (sendable + refused)[:wanted]
    if len(due) < wanted:
        due += _top_up(wanted - len(due), rng)
    now = timezone.now()
    OutboundMessage.objects.filter(state=OutboundMessage.State.SCHEDULED).update(
        scheduled_for=now + timedelta(days=365)
    )
    for start in range(0, len(due), 5000):
        OutboundMessage.objects.filter(pk__in=due[start : start + 5000]).update(
            scheduled_for=now - timedelta(seconds=1)
        )
    KILL_MARKER.write_text(json.dumps({"ids": due, "first_attempt": first_attempt, "now": now.isoformat()}))
    return {"due": len(due)}


def _ours():

    marker = json.loads(KILL_MARKER.read_text())
    return marker, OutboundMessage.objects.filter(pk__in=marker["ids"])


def kill_status() -> dict:

    marker, ours = _ours()
    now = datetime.fromisoformat(marker["now"])
    State = OutboundMessage.State
    pending = ours.filter(Q(state=State.SENDING) | Q(state=State.SCHEDULED, scheduled_for__lte=now)).count()
    return {"pending": pending}


def kill_verify() -> dict:

    marker, ours = _ours()
    State = OutboundMessage.State
    states = Counter(ours.values_list("state", flat=True))
    # What reached the "provider": the file gateway's one JSON file per message (SMS,
    # letters), and every email the file e-mail backend wrote (several to a .log file),
    # found by its X-Idempotency-Key header: an email sent twice shows twice.
    files: Counter = Counter()
    for path in Path(settings.OUTBOX_DIR).rglob("*.json"):
        files[json.loads(path.read_text(encoding="utf-8"))["key"]] += 1
    for path in Path(settings.OUTBOX_DIR).glob("email/*.log"):
        files.update(re.findall(r"^X-Idempotency-Key: (\S+)$", path.read_text(encoding="utf-8"), re.M))
    leftovers = sum(1 for _ in Path(settings.OUTBOX_DIR).rglob("*.tmp"))
    sent_keys = set(ours.filter(state=State.SENT).values_list("idempotency_key", flat=True))
    all_keys = set(ours.values_list("idempotency_key", flat=True))
    attempts = ContactAttempt.objects.filter(pk__gte=marker["first_attempt"])
    sent_attempts = attempts.filter(outcome="sent", allowed=True)
    per_case = Counter(sent_attempts.values_list("case_id", flat=True))
    messages_per_case = Counter(ours.filter(state=State.SENT).values_list("case_id", flat=True))
    final = {State.SENT, State.SUPPRESSED, State.FAILED}
    deferred = ours.filter(state=State.SCHEDULED).count()
    return {
        "messages": ours.count(),
        "states": dict(states),
        "sent": states.get(State.SENT, 0),
        "deferred_to_later": deferred,
        "gateway_deliveries": sum(files.values()),
        "by_channel": dict(Counter(ours.filter(state=State.SENT).values_list("channel", flat=True))),
        "gateway_tmp_files_left": leftovers,
        # A key delivered twice would be a second file, or a second recorded send for a case.
        "delivered_twice": sum(1 for n in files.values() if n > 1)
        + sum(max(0, n - messages_per_case.get(case, 0)) for case, n in per_case.items()),
        # Lost: delivered but not recorded as sent, recorded as sent but never delivered,
        # or neither in a final state nor waiting for a later slot.
        "lost": len(set(files) & all_keys - sent_keys)
        + len(sent_keys - set(files))
        + sum(n for state, n in states.items() if state not in final and state != State.SCHEDULED),
        "attempts": sent_attempts.filter(placed_by="system").count(),
        "attempts_refused": attempts.filter(allowed=False).count(),
        "attempts_with_message": OutboundMessage.objects.filter(
            pk__in=marker["ids"], attempt__isnull=False, state=State.SENT
        ).count(),
        "still_final": all(state in final or state == State.SCHEDULED for state in states),
        # Delivered by a killed worker, recorded by the one that took the claim over
        # (contacts.outbox._record_earlier_delivery); messages taken over at all.
        "recorded_from_the_gateway": ContactAttempt.history.filter(
            id__in=sent_attempts.values("pk"), history_change_reason="sent before its worker stopped"
        ).count(),
        "taken_over_after_a_kill": ours.filter(claim_expired=True).count(),
    }


def redis_prepare() -> dict:
    """A collector with a password, one of their cases on the phone rung (its page has the
    log-contact form), and reminders parked until the
    outage makes them due."""
    user = get_user_model().objects.get(username=f"{PREFIX}collector01")
    user.set_password(REDIS_PASSWORD)
    user.save()
    case = CollectionCase.objects.filter(assigned_collector=user, state="phone").order_by("pk").first()
    case = case or CollectionCase.objects.filter(assigned_collector=user).order_by("pk").first()
    ids = _top_up(REDIS_MESSAGES, random.Random(21))
    OutboundMessage.objects.filter(state=OutboundMessage.State.SCHEDULED).update(
        scheduled_for=timezone.now() + timedelta(days=365)
    )
    return {"username": user.username, "case_id": case.pk, "message_ids": ids}


def pg_fingerprint() -> dict:
    """What a night leaves: cases by state, the book's days past due, events and messages."""
    return {
        "states": dict(
            sorted(CollectionCase.objects.values_list("state").annotate(n=Count("pk")).values_list("state", "n"))
        ),
        "dpd": LoanAccount.objects.aggregate(total=Sum("days_past_due"))["total"],
        "events": CaseEvent.objects.count(),
        "messages": OutboundMessage.objects.count(),
        "collectors_assigned": CollectionCase.objects.filter(assigned_collector__isnull=False).count(),
    }


def pg_mark() -> dict:
    """The last row of every table before the nights: the bulk-loaded book has no ledger
    entries and no history by design (bench/book), the rows the nights write must have both."""
    last = {
        m._meta.db_table: m._default_manager.order_by("-pk").values_list("pk", flat=True).first() or 0
        for m in apps.get_models()
        if isinstance(m._meta.pk, (AutoField, BigAutoField))
    }
    PG_MARK.write_text(json.dumps(last))
    return last


def pg_ledger() -> dict:
    """``verify_chain`` over the ledger itself (every entry, link, row content, the head and
    the anchors), and every row written after the mark sealed or queued to be sealed and
    matching its history. The book's own bulk-loaded rows are left out: they never had
    entries (``manage.py verify_audit_chain`` on any bench book reports them as unsealed)."""
    last = json.loads(PG_MARK.read_text())
    report = verify_chain(max_problems=10_000)
    chain_problems = [str(p) for p in report.problems if p.kind not in ("unsealed", "live")]
    new_unsealed = 0
    for model in chained_models():
        table = model._meta.db_table
        sealed = AuditLedger.objects.filter(table_name=table, row_pk=OuterRef("pk"))
        queued = AuditQueue.objects.filter(table_name=table, row_pk=OuterRef("pk"))
        new_unsealed += (
            model._default_manager.filter(pk__gt=last.get(table, 0)).filter(~Exists(sealed), ~Exists(queued)).count()
        )
    new_live: list[str] = []

    def add(kind, table, pk, seq, detail, field=None):
        if isinstance(pk, int) and pk > last.get(table, 0):
            new_live.append(f"{table} {pk}: {detail}")

    check_live_rows(add)
    return {
        "entries_checked": report.entries_checked,
        "chain_problems": chain_problems[:10],
        "new_rows_unsealed": new_unsealed,
        "new_rows_differing_from_history": new_live[:10],
        "backlog_rows": report.backlog_rows,
        "ok": not chain_problems and not new_unsealed and not new_live,
    }


STEPS = {
    "book": book,
    "kill_prepare": kill_prepare,
    "kill_status": kill_status,
    "kill_verify": kill_verify,
    "redis_prepare": redis_prepare,
    "pg_mark": pg_mark,
    "pg_ledger": pg_ledger,
    "pg_fingerprint": pg_fingerprint,
}
