"""
The integration API (/api/v1/) on the book, in-process through django.test.Client: the
real URL routing, middleware, key authentication, scope check, per-client throttle and
the ApiCall log, on the bench database.

- contact_check: single ``POST contact/check`` on random loan numbers of the book, phone
  call and SMS alternately: p50/p95/p99 and statements per call;
- contact_check_batch: ``POST contact/check/batch`` with 1,000 loan numbers: decisions per
  second, ms per batch, statements per batch;
- payments: ``POST payments`` of small amounts on random open cases, one after the other:
  payments per second, p50/p99, statements per payment;
- payoff: payments of the whole balance on open cases given scheduled SMS first: the time
  from the call to "no message can leave", which is the call itself when, as soon as it
  has answered, the case is resolved and none of its messages is still scheduled.

The payments are undone afterwards (their rows, the case events they wrote, the accounts'
and cases' columns as they were, the messages scheduled for the payoffs), so ``--reuse``
measures the same book; the history rows and audit-ledger entries of the writes stay, as
do the calls in the ApiCall log.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
import json
import random
import time

from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse
from django.utils import timezone

from api import keys
from api.models import ApiClient, Scope
from api.serializers import BATCH_LARGEST
from cases.models import CLOSED_STATES, CaseEvent, CaseState, CollectionCase, ContactPoint, LoanAccount, Payment
from contacts.models import Callback, OutboundMessage
from contacts.outbox import approved_templates, template_for
from policy.codes import Channel

from .timing import QueryCounter, Stopwatch, latency_summary

CLIENT_NAME = "bench"
RATE = 1_000_000_000  # requests per minute: the throttle runs, it never refuses
WARM_UP = 20
HTTP = {
    "ALLOWED_HOSTS": ["testserver", "localhost", "127.0.0.1"],
    "SECURE_SSL_REDIRECT": False,
    "SESSION_COOKIE_SECURE": False,
    "CSRF_COOKIE_SECURE": False,
}


class _Caller:
    """POSTs JSON with the bench client's key; the body is encoded before the clock starts."""

    def __init__(self, key: str):
        self.client = Client()
        self.auth = f"Bearer {key}"

    def post(self, path: str, body: str):
        return self.client.post(path, data=body, content_type="application/json", HTTP_AUTHORIZATION=self.auth)


def _api_key(administrator) -> str:
    """The bench's own client (every scope, a rate it never reaches) and a fresh key."""
    client = ApiClient.objects.filter(name=CLIENT_NAME).first()
    if client is None:
        _client, key = keys.create_client(
            name=CLIENT_NAME, scopes=Scope.values, by=administrator, requests_per_minute=RATE
        )
        return key
    ApiClient.objects.filter(pk=client.pk).update(
        scopes=sorted(Scope.values), requests_per_minute=RATE, revoked_at=None
    )
    return keys.rotate_key(client)


def _random_loan_numbers(count: int, seed: int) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(%s)", [(seed % 997) / 997])
    return list(CollectionCase.objects.order_by("?").values_list("account__loan_number", flat=True)[:count])


def _timed(caller: _Caller, path: str, bodies: list[str]) -> tuple[list[float], list, QueryCounter]:
    durations, responses = [], []
    clock = time.perf_counter
    with QueryCounter() as counter:
        for body in bodies:
            started = clock()
            response = caller.post(path, body)
            durations.append(clock() - started)
            responses.append(response)
    return durations, responses, counter


def _statuses(responses) -> dict:
    counts: dict[str, int] = {}
    for response in responses:
        counts[str(response.status_code)] = counts.get(str(response.status_code), 0) + 1
    return counts


def contact_check(caller: _Caller, *, calls: int, seed: int, progress) -> dict:
    rng = random.Random(seed)
    numbers = _random_loan_numbers(calls, seed)
    channels = [Channel.PHONE_CALL, Channel.SMS]
    bodies = [
        json.dumps({"loan_number": rng.choice(numbers), "channel": channels[n % 2]}) for n in range(max(calls, 1))
    ]
    path = reverse("api:contact_check")
    progress(f"api: contact/check, {len(bodies):,} calls")
    for body in bodies[:WARM_UP]:
        caller.post(path, body)
    durations, responses, counter = _timed(caller, path, bodies)
    allowed = sum(1 for r in responses if r.status_code == 200 and r.json()["allowed"])
    return {
        "calls": len(durations),
        **latency_summary(durations),
        "queries_per_call": round(counter.count / len(durations), 1),
        "db_ms_per_call": round(counter.seconds / len(durations) * 1000, 2),
        "statuses": _statuses(responses),
        "allowed": allowed,
    }


def contact_check_batch(caller: _Caller, *, batches: int, seed: int, progress) -> dict:
    rng = random.Random(seed + 1)
    size = BATCH_LARGEST
    pool = _random_loan_numbers(batches * size, seed + 1)
    lists = [pool[n * size : (n + 1) * size] for n in range(batches)]
    lists = [chunk if len(chunk) == size else rng.choices(pool, k=size) for chunk in lists]
    bodies = [json.dumps({"channel": Channel.PHONE_CALL, "loan_numbers": chunk}) for chunk in lists]
    path = reverse("api:contact_check_batch")
    progress(f"api: contact/check/batch, {batches} batches of {size:,}")
    caller.post(path, bodies[0])  # warm-up
    with Stopwatch() as watch:
        durations, responses, counter = _timed(caller, path, bodies)
    decisions = sum(len(r.json()["decisions"]) for r in responses if r.status_code == 200)
    return {
        "batches": len(bodies),
        "loan_numbers_per_batch": size,
        "decisions": decisions,
        "decisions_per_second": round(decisions / watch.seconds) if watch.seconds else None,
        **latency_summary(durations, points=(0.5, 0.95)),
        "queries_per_batch": round(counter.count / len(durations), 1),
        "db_ms_per_batch": round(counter.seconds / len(durations) * 1000, 1),
        "statuses": _statuses(responses),
    }


def _payable_cases(count: int, seed: int) -> list[CollectionCase]:
    """Random open cases a payment touches nothing else of: not in an arrangement or on
    hold, no pending promise or callback, a balance well above the small amounts."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(%s)", [((seed + 2) % 997) / 997])
    ids = list(
        CollectionCase.objects.exclude(state__in=[*CLOSED_STATES, CaseState.ARRANGEMENT, CaseState.ON_HOLD])
        .filter(account__outstanding_principal__gt=100)
        .exclude(promises__status="pending")
        .exclude(Exists(Callback.objects.pending().filter(case_id=OuterRef("pk"))))
        .order_by("?")
        .values_list("pk", flat=True)[:count]
    )
    return list(CollectionCase.objects.filter(pk__in=ids).select_related("account__borrower"))


def _schedule_messages(cases: list[CollectionCase]) -> int:
    """Two SMS scheduled for each payoff case (in an hour, tomorrow), as the cadence would."""
    templates = approved_templates()
    phones = {}
    for point in ContactPoint.objects.filter(
        borrower_id__in=[c.account.borrower_id for c in cases], kind="phone", owner=ContactPoint.Owner.BORROWER
    ).order_by("-is_primary", "pk"):
        phones.setdefault(point.borrower_id, point)
    now = timezone.now().replace(second=0, microsecond=0)
    messages = []
    for case in cases:
        template = template_for("sms", case.account.borrower.language, templates)
        phone = phones.get(case.account.borrower_id)
        if template is None or phone is None:
            continue
        for later in (timedelta(hours=1), timedelta(days=1)):
            messages.append(
                OutboundMessage(
                    case=case,
                    channel=Channel.SMS,
                    template=template,
                    contact_point=phone,
                    slot=now + later,
                    scheduled_for=now + later,
                    idempotency_key=OutboundMessage.key_for(case.pk, template.pk, now + later, "-bench-api"),
                )
            )
    return len(OutboundMessage.objects.bulk_create(messages))


def _payment(case: CollectionCase, reference: str, amount: Decimal) -> str:
    return json.dumps(
        {
            "loan_number": case.account.loan_number,
            "reference": reference,
            "amount": f"{amount:.2f}",
            "paid_at": timezone.localtime().isoformat(),
        }
    )


def payments(caller: _Caller, *, count: int, payoffs: int, seed: int, progress) -> tuple[dict, dict]:
    rng = random.Random(seed + 2)
    run = timezone.now().strftime("%Y%m%d%H%M%S%f")
    chosen = _payable_cases(count + payoffs, seed)
    payoff_cases, small_cases = chosen[:payoffs], chosen[payoffs:] or chosen
    path = reverse("api:payments")
    marks = {
        model: (model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
        for model in (Payment, CaseEvent, OutboundMessage)
    }
    accounts = list(LoanAccount.objects.filter(pk__in=[c.account_id for c in chosen]))
    cases = list(CollectionCase.objects.filter(pk__in=[c.pk for c in chosen]))
    try:
        progress(f"api: payments, {count:,} small ones")
        bodies = [
            _payment(rng.choice(small_cases), f"BENCH-{run}-{n}", Decimal(rng.randint(100, 500)) / 100)
            for n in range(count)
        ]
        with Stopwatch() as watch:
            durations, responses, counter = _timed(caller, path, bodies)
        recorded = sum(1 for r in responses if r.status_code == 201)
        small = {
            "payments": len(durations),
            "recorded": recorded,
            "payments_per_second": round(recorded / watch.seconds, 1) if watch.seconds else None,
            **latency_summary(durations),
            "queries_per_payment": round(counter.count / len(durations), 1) if durations else None,
            "db_ms_per_payment": round(counter.seconds / len(durations) * 1000, 2) if durations else None,
            "statuses": _statuses(responses),
        }
        progress(f"api: {len(payoff_cases)} payoffs")
        payoff = _payoffs(caller, path, payoff_cases, run)
    finally:
        small_cleanup = _undo(marks, accounts, cases)
    return small, {**payoff, "cleanup": small_cleanup}


def _payoffs(caller: _Caller, path: str, cases: list[CollectionCase], run: str) -> dict:
    scheduled = _schedule_messages(cases)
    durations, stopped, suppressed, answered = [], [], 0, 0
    counter = QueryCounter()  # entered around each call only, not the checks after it
    for n, case in enumerate(cases):
        balance = LoanAccount.objects.get(pk=case.account_id).outstanding_total
        body = _payment(case, f"BENCH-{run}-PAYOFF-{n}", balance)
        with counter:
            started = time.perf_counter()
            response = caller.post(path, body)
            durations.append(time.perf_counter() - started)
        answer = response.json() if response.status_code == 201 else {}
        answered += bool(answer.get("case_resolved"))
        suppressed += answer.get("messages_suppressed", 0)
        # Straight after the answer: is the case closed, and has nothing of it still to leave?
        closed = CollectionCase.objects.filter(pk=case.pk, state__in=CLOSED_STATES).exists()
        waiting = OutboundMessage.objects.filter(case=case, state=OutboundMessage.State.SCHEDULED).exists()
        stopped.append(bool(answer.get("case_resolved")) and closed and not waiting)
    return {
        "payoffs": len(durations),
        "messages_scheduled_before": scheduled,
        "messages_suppressed": suppressed,
        "answered_case_resolved": answered,
        "contact_stopped_in_call": bool(stopped) and all(stopped),
        **(latency_summary(durations) if durations else {"p50_ms": None, "p99_ms": None}),
        "queries_per_payoff": round(counter.count / len(durations), 1) if durations else None,
    }


def _undo(marks: dict, accounts: list[LoanAccount], cases: list[CollectionCase]) -> str:
    """Put the book back: this run's payments, case events and messages deleted (plain SQL,
    so the deletions write no history), the accounts' and cases' columns as they were."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            for model in (Payment, CaseEvent, OutboundMessage):
                cursor.execute(f"DELETE FROM {model._meta.db_table} WHERE id >= %s", [marks[model]])
            for model, rows in ((LoanAccount, accounts), (CollectionCase, cases)):
                fields = [f.name for f in model._meta.concrete_fields if not f.primary_key]
                if rows:
                    model.objects.bulk_update(rows, fields, batch_size=500)
    except Exception as error:  # e.g. a row made meanwhile refers to one of them: keep them, say so
        return f"kept: {error}"
    return "undone"


def measure(*, administrator, calls: int, batches: int, payments_count: int, payoffs: int, seed: int, progress) -> dict:
    caller = _Caller(_api_key(administrator))
    with override_settings(**HTTP):
        results = {
            "contact_check": contact_check(caller, calls=calls, seed=seed, progress=progress),
            "contact_check_batch": contact_check_batch(caller, batches=batches, seed=seed, progress=progress),
        }
        results["payments"], results["payoff"] = payments(
            caller, count=payments_count, payoffs=payoffs, seed=seed, progress=progress
        )
    return results
