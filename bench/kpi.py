"""
The KPI snapshot and the supervisor's dashboard on the book.

- history: 30 mornings of snapshots, backfilled once (kept, like the book: ``--reuse``
  reads them again) so the dashboard reads what a month of nights leaves;
- night: tonight's snapshot step after tonight's refresh of days past due, in a
  transaction rolled back — the step the nightly cycle adds, with its statements;
- dashboard: the page as the supervisor opens it (the last 30 days), for one policy
  profile, and for one collector: p50/p95 and its query count.
"""

from __future__ import annotations

from datetime import timedelta
import time
from urllib.parse import urlencode

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from django.utils import timezone

from cases import jobs
from cases.models import CollectionCase
from desk import snapshots
from desk.kpi_models import ActivitySnapshot, BookSnapshot, BucketMove, CaseBucket, SnapshotDay

from .admin_pages import WARM_UP, _signed_in
from .bulk import vacuum_analyze
from .timing import QueryCounter, Stopwatch, latency_summary

HISTORY_DAYS = 30
SNAPSHOT_TABLES = [SnapshotDay, BookSnapshot, BucketMove, ActivitySnapshot, CaseBucket]


def measure(*, supervisor, requests: int, progress) -> dict:
    now = timezone.now()
    yesterday = now - timedelta(days=1)
    history = {"backfilled": False}
    if not SnapshotDay.objects.filter(day__gte=timezone.localdate(yesterday)).exists():
        progress(f"kpi: backfilling {HISTORY_DAYS} mornings of snapshots")
        with Stopwatch() as watch:
            result = snapshots.backfill(HISTORY_DAYS, now=yesterday)
        vacuum_analyze(SNAPSHOT_TABLES)
        history = {"backfilled": True, "seconds": round(watch.seconds, 1), **result}
    history["rows"] = {model._meta.db_table: model.objects.count() for model in SNAPSHOT_TABLES}

    progress("kpi: tonight's snapshot step (rolled back)")
    with transaction.atomic():
        jobs.refresh_delinquency(now)
        with QueryCounter(keep=3) as counter, Stopwatch() as watch:
            counts = snapshots.take_snapshot(now)
        night = {
            "seconds": round(watch.seconds, 3),
            "queries": counter.count,
            "counts": counts,
            "slowest_queries": counter.slowest(),
        }
        transaction.set_rollback(True)
    vacuum_analyze(SNAPSHOT_TABLES)

    collector = (
        CollectionCase.objects.exclude(assigned_collector=None).values_list("assigned_collector", flat=True).first()
    )
    url = reverse("desk:dashboard")
    pages = {
        "dashboard": url,
        "dashboard_profile": f"{url}?{urlencode({'profile': 'CN'})}",
        "dashboard_collector": f"{url}?{urlencode({'collector': collector})}",
    }
    client = _signed_in(supervisor)
    results = {"history": history, "snapshot_step": night}
    with override_settings(
        ALLOWED_HOSTS=["testserver", "localhost", "127.0.0.1"],
        SECURE_SSL_REDIRECT=False,
        SESSION_COOKIE_SECURE=False,
        CSRF_COOKIE_SECURE=False,
    ):
        for name, path in pages.items():
            progress(f"kpi: {name}")
            for _ in range(WARM_UP):
                client.get(path)
            durations = []
            for _ in range(requests):
                started = time.perf_counter()
                client.get(path)
                durations.append(time.perf_counter() - started)
            with CaptureQueriesContext(connection) as queries:
                response = client.get(path)
            results[name] = {
                "path": path,
                "status": response.status_code,
                **latency_summary(durations, points=(0.5, 0.95)),
                "queries": len(queries.captured_queries),
            }
    return results
