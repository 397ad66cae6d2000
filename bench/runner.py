"""
``run(cases=N)``: check the database may be used, generate the book (or find the one
already there with ``reuse``), take every measurement, and return the report as a dict
(``manage.py bench`` prints it as JSON; tests/bench calls it in-process).
"""

from __future__ import annotations

from datetime import date
import gc
import os
import platform
import sys
import time

import django
from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from cases.models import CollectionCase
from core.jobs import run_job
from core.models import JobRun

from . import admin_pages, api, book, kpi, measure
from .bulk import BenchError
from .feed_import import feed_check
from .staff import ensure_staff, ensure_templates
from .timing import Stopwatch, peak_rss_mib

GENERATE_JOB = "bench.generate"
ALLOWED_PREFIXES = ("bench", "test_")

# What a run can measure, in the order it measures them (``sections`` picks some: the
# growth series measures the nightly cycle alone on each size; none = generate only).
SECTIONS = ("nightly", "feed", "check_contact", "api", "admin", "kpi", "outbox")

# The targets (bench/README.md explains each).
REFRESH_MAX_SECONDS = 60
REFRESH_MAX_RATIO = 3
CHECK_CONTACT_P99_MS = 3  # at most
DISPATCH_MIN_PER_SECOND = 500
OUTBOX_MIN_SENT_PER_SECOND_PER_PROCESS = 1000  # issue 21, through the file gateway
OUTBOX_MIN_TWO_PROCESS_RATIO = 1.5  # two worker processes against one (issue 21)
ADMIN_P95_MS = 300
ADMIN_MAX_QUERIES = 15  # fewer than this
MEMORY_MIB = 2048
FEED_CHECK_MAX_MIB = 500
# A generous bound on one contact/check through the whole HTTP stack in-process (the
# engine's own 3 ms is check_contact's target).
API_CHECK_P99_MS = 50
API_BATCH_MIN_DECISIONS_PER_SECOND = 5000  # contact/check/batch of 1,000 loans (issue 21)
# Issue 21: the collector's desk page and queue, and the KPI dashboard (bench/README.md says
# which queue figure the queue's targets are judged on).
DESK_MAX_QUERIES = 15  # at most this
DESK_P95_MS = 150
DASHBOARD_P95_MS = 300
# Second edition (issue 21): the whole night against its raw-SQL floor (bench/night.py).
NIGHT_MAX_RATIO = 2.0


# Every number a report must carry (CI's run at 20,000 cases checks these, not timings).
REQUIRED_NUMBERS = [
    "cases",
    "contact_attempts",
    "generation.seconds",
    "refresh_delinquency.first_run.seconds",
    "refresh_delinquency.first_run.queries",
    "refresh_delinquency.second_run.seconds",
    "refresh_delinquency.second_run.queries",
    "refresh_delinquency.raw_floor.seconds",
    "refresh_delinquency.ratio_to_floor",
    "refresh_delinquency.whole_night.seconds",
    "refresh_delinquency.night_floor.seconds",
    "refresh_delinquency.night_ratio_to_floor",
    "outbox.plan_reminders.seconds",
    "outbox.dispatch.messages_per_second",
    "outbox.dispatch.sent",
    "outbox.dispatch.deferred",
    "outbox.dispatch.suppressed",
    "outbox.dispatch.sent_per_second",
    "outbox.dispatch.cpu_ms_per_sent",
    "outbox.processes.one.sent_per_second",
    "outbox.processes.two.sent_per_second",
    "outbox.processes.two_to_one",
    "check_contact.p50_ms",
    "check_contact.p99_ms",
    "check_contact.queries_per_call",
    "kpi.snapshot_step.seconds",
    "kpi.snapshot_step.queries",
    "kpi.dashboard.p95_ms",
    "kpi.dashboard.queries",
    "kpi.dashboard_collector.p95_ms",
    *[
        f"admin.{page}.{number}"
        for page in (
            "case_list",
            "case_list_filtered",
            "search_loan_number",
            "search_phone",
            "case_page",
            "desk_queue",
            "desk_queue_realistic",
            "desk_queue_later",
            "desk_search_surname",
            "desk_case",
        )
        for number in ("p50_ms", "p95_ms", "queries")
    ],
    "refresh_delinquency.audit_sealing_after_commit.rows_per_second",
    "feed_import.seconds",
    "feed_import.peak_rss_mib",
    "api.contact_check.p50_ms",
    "api.contact_check.p95_ms",
    "api.contact_check.p99_ms",
    "api.contact_check.queries_per_call",
    "api.contact_check_batch.decisions_per_second",
    "api.contact_check_batch.p50_ms",
    "api.contact_check_batch.queries_per_batch",
    "api.payments.payments_per_second",
    "api.payments.p50_ms",
    "api.payments.p99_ms",
    "api.payments.queries_per_payment",
    "api.payoff.p50_ms",
    "api.payoff.p99_ms",
    "peak_rss_mib",
]


# The report key each section writes (the rest of REQUIRED_NUMBERS belong to every run).
SECTION_KEYS = {
    "nightly": "refresh_delinquency",
    "feed": "feed_import",
    "check_contact": "check_contact",
    "api": "api",
    "admin": "admin",
    "kpi": "kpi",
    "outbox": "outbox",
}


def missing_numbers(report: dict, sections=SECTIONS) -> list[str]:
    """The REQUIRED_NUMBERS the report lacks (absent, None, or not a number), of the
    sections measured."""
    skipped = {SECTION_KEYS[section] for section in SECTIONS if section not in sections}
    missing = []
    for path in REQUIRED_NUMBERS:
        if path.split(".")[0] in skipped:
            continue
        value = report
        for key in path.split("."):
            value = value.get(key) if isinstance(value, dict) else None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            missing.append(f"{path} = {value!r}")
    return missing


def stderr_progress(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def check_database(*, force: bool = False) -> str:
    """The database's name, if the benchmark may write to it: PostgreSQL, migrated, and
    named bench* (or test_* for the test suite) unless ``force``."""
    name = connection.settings_dict["NAME"] or ""
    if connection.vendor != "postgresql":
        raise BenchError(
            f"The benchmark needs PostgreSQL; this is {connection.vendor}. "
            "Set DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench."
        )
    if not force and not name.startswith(ALLOWED_PREFIXES):
        raise BenchError(
            f"Refusing to write a synthetic book into {name!r}: the database name must start with "
            "'bench' (createdb bench). Use --force if you really mean it."
        )
    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        raise BenchError(f"{name} has unapplied migrations: run `manage.py migrate` first.")
    return name


def _existing_book(cases: int) -> dict:
    """The counts of the book generated earlier with ``cases`` cases, if it is still intact."""
    for run in JobRun.objects.filter(job=GENERATE_JOB, status=JobRun.Status.SUCCEEDED).order_by("-started_at")[:20]:
        if run.counts.get("requested_cases") == cases:
            present = CollectionCase.objects.count()
            if present != run.counts.get(CollectionCase._meta.db_table):
                raise BenchError(
                    f"The book generated on {run.started_at:%Y-%m-%d} had "
                    f"{run.counts.get(CollectionCase._meta.db_table):,} cases; {present:,} are there now. "
                    "Recreate the database to measure a clean book."
                )
            return {**run.counts, "generated_at": run.started_at.isoformat()}
    raise BenchError(f"No book of {cases:,} cases was generated in this database: run without --reuse.")


def _generate(cases: int, seed: int, staff, templates, progress) -> dict:
    if CollectionCase.objects.exists():
        raise BenchError(
            "This database already holds cases. Use --reuse to measure the book generated here, "
            "or drop and recreate the database (dropdb/createdb, then migrate)."
        )
    counts = book.generate(cases, seed=seed, staff=staff, templates=templates, progress=progress)
    return {"requested_cases": cases, "seed": seed, "generated_on": date.today().isoformat(), **counts}


def _server_version() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return cursor.fetchone()[0]


def _server_settings() -> dict:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, current_setting(name) FROM pg_settings WHERE name IN "
            "('shared_buffers', 'work_mem', 'effective_cache_size', 'synchronous_commit', "
            "'max_wal_size', 'max_parallel_workers_per_gather', 'jit')"
        )
        return dict(cursor.fetchall())


def _database_mib() -> float:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(current_database())")
        return round(cursor.fetchone()[0] / 2**20, 1)


def targets(report: dict) -> dict:
    """The issue's thresholds as booleans, for the sections this run measured (a growth
    series run with ``sections=("nightly",)`` is judged on the nightly's targets only)."""
    judged = {}
    for name, test in TARGETS.items():
        try:
            judged[name] = bool(test(report))
        except (KeyError, TypeError):  # a section not measured in this run
            continue
    return judged


def _first(report):
    return report["refresh_delinquency"]["first_run"]["seconds"]


def _floor(report):
    return report["refresh_delinquency"]["raw_floor"]["seconds"]


def _page(report, page):
    return report["admin"][page]


TARGETS = {
    "refresh_delinquency_under_60_s": lambda r: _first(r) < REFRESH_MAX_SECONDS,
    "refresh_delinquency_within_3x_raw_floor": lambda r: _first(r) <= REFRESH_MAX_RATIO * _floor(r),
    "check_contact_p99_at_most_3_ms": lambda r: r["check_contact"]["p99_ms"] <= CHECK_CONTACT_P99_MS,
    "dispatch_at_least_500_messages_per_s": lambda r: (
        (r["outbox"]["dispatch"]["messages_per_second"] or 0) >= DISPATCH_MIN_PER_SECOND
    ),
    "night_within_2x_raw_floor": lambda r: r["refresh_delinquency"]["night_ratio_to_floor"] <= NIGHT_MAX_RATIO,
    "outbox_at_least_1000_sent_per_s_per_process": lambda r: (
        (r["outbox"]["processes"]["one"]["sent_per_second"] or 0) >= OUTBOX_MIN_SENT_PER_SECOND_PER_PROCESS
    ),
    "outbox_two_processes_at_least_1_5x": lambda r: (
        (r["outbox"]["processes"]["two_to_one"] or 0) >= OUTBOX_MIN_TWO_PROCESS_RATIO
        and r["outbox"]["processes"]["two"]["nothing_sent_twice"]
    ),
    "case_list_p95_under_300_ms": lambda r: _page(r, "case_list")["p95_ms"] < ADMIN_P95_MS,
    "case_list_filtered_p95_at_most_300_ms": lambda r: _page(r, "case_list_filtered")["p95_ms"] <= ADMIN_P95_MS,
    "case_list_under_15_queries": lambda r: _page(r, "case_list")["queries"] < ADMIN_MAX_QUERIES,
    "case_page_p95_under_300_ms": lambda r: _page(r, "case_page")["p95_ms"] < ADMIN_P95_MS,
    "case_page_under_15_queries": lambda r: _page(r, "case_page")["queries"] < ADMIN_MAX_QUERIES,
    "desk_queue_at_most_15_queries": lambda r: _page(r, "desk_queue_realistic")["queries"] <= DESK_MAX_QUERIES,
    "desk_queue_p95_at_most_150_ms": lambda r: _page(r, "desk_queue_realistic")["p95_ms"] <= DESK_P95_MS,
    "desk_case_at_most_15_queries": lambda r: _page(r, "desk_case")["queries"] <= DESK_MAX_QUERIES,
    "desk_case_p95_at_most_150_ms": lambda r: _page(r, "desk_case")["p95_ms"] <= DESK_P95_MS,
    "dashboard_p95_at_most_300_ms": lambda r: r["kpi"]["dashboard"]["p95_ms"] <= DASHBOARD_P95_MS,
    "dashboard_under_15_queries": lambda r: r["kpi"]["dashboard"]["queries"] < ADMIN_MAX_QUERIES,
    "nightly_with_snapshot_under_60_s": lambda r: (
        _first(r) + r["kpi"]["snapshot_step"]["seconds"] < REFRESH_MAX_SECONDS
    ),
    "process_under_2_gib": lambda r: r["peak_rss_mib"] < MEMORY_MIB,
    "feed_check_under_500_mib": lambda r: (
        (r["feed_import"]["peak_rss_mib"] or 0) < FEED_CHECK_MAX_MIB and r["feed_import"]["refused_on_its_last_line"]
    ),
    "api_contact_check_p99_under_50_ms": lambda r: r["api"]["contact_check"]["p99_ms"] < API_CHECK_P99_MS,
    "api_batch_at_least_5000_decisions_per_s": lambda r: (
        (r["api"]["contact_check_batch"]["decisions_per_second"] or 0) >= API_BATCH_MIN_DECISIONS_PER_SECOND
    ),
    "api_payoff_stops_contact_in_the_call": lambda r: r["api"]["payoff"]["contact_stopped_in_call"] is True,
}


def run(
    cases: int,
    *,
    reuse: bool = False,
    force: bool = False,
    seed: int = 2026,
    check_contact_calls: int = 10_000,
    admin_requests: int = 20,
    dispatch_messages: int | None = None,
    dispatch_batch: int | None = None,
    dispatch_timeout: float = 900,
    feed_rows: int = 500_000,
    api_calls: int = 2_000,
    sections=SECTIONS,
    progress=stderr_progress,
) -> dict:
    if cases < 1:
        raise BenchError("--cases must be at least 1.")
    if unknown := set(sections) - set(SECTIONS):
        raise BenchError(f"Unknown sections {', '.join(sorted(unknown))}; known: {', '.join(SECTIONS)}.")
    database = check_database(force=force)
    with Stopwatch() as total:
        staff = ensure_staff()
        templates = ensure_templates(staff)
        if reuse:
            generated = _existing_book(cases)
            progress(f"reusing the book of {cases:,} cases generated {generated['generated_at']}")
        else:
            progress(f"generating a book of {cases:,} cases into {database}")
            job = run_job(
                GENERATE_JOB,
                _generate,
                trigger="command",
                cases=cases,
                seed=seed,
                staff=staff,
                templates=templates,
                progress=progress,
            )
            generated = job.counts
        attempts = generated.get("contacts_contactattempt")
        report = {
            "cases": generated.get("cases_collectioncase"),
            "accounts": generated.get("cases_loanaccount"),
            "borrowers": generated.get("cases_borrower"),
            "contact_points": generated.get("cases_contactpoint"),
            "contact_attempts": attempts,
            "reused": reuse,
            "sections": list(sections),
            "generation": {
                key: generated.get(key)
                for key in (
                    "seconds",
                    "copy_seconds",
                    "index_seconds",
                    "vacuum_seconds",
                    "fk_triggers_off",
                    "generated_on",
                    "seed",
                )
            }
            | {"rows": {key: value for key, value in generated.items() if key.startswith(("cases_", "contacts_"))}},
            "environment": {
                "database_vendor": connection.vendor,
                "database": database,
                "postgresql": _server_version(),
                "postgresql_settings": _server_settings(),
                "django": django.get_version(),
                "python": platform.python_version(),
                "cpus": os.cpu_count(),
                "time_zone": settings.TIME_ZONE,
            },
        }
        if "nightly" in sections:
            report["refresh_delinquency"] = measure.nightly_cycle(progress)
        if "feed" in sections:
            report["feed_import"] = feed_check(rows=feed_rows, progress=progress)
        # Latency first, the outbox (the heaviest writer, and the biggest Python heap) last.
        gc.collect()
        if "check_contact" in sections:
            report["check_contact"] = measure.check_contact_latency(
                calls=check_contact_calls, seed=seed, progress=progress
            )
        if "api" in sections:
            report["api"] = api.measure(
                administrator=staff.administrator,
                calls=api_calls,
                batches=max(2, min(20, api_calls // 100)),
                payments_count=max(1, api_calls // 4),
                payoffs=max(5, api_calls // 40),
                seed=seed,
                progress=progress,
            )
        if "admin" in sections:
            report["admin"] = admin_pages.measure(
                supervisor=staff.supervisor, requests=admin_requests, progress=progress
            )
        if "kpi" in sections:
            report["kpi"] = kpi.measure(supervisor=staff.supervisor, requests=admin_requests, progress=progress)
        rss_before_outbox = peak_rss_mib()
        if "outbox" in sections:
            wanted = dispatch_messages or max(1, min(cases // 100, 20_000))
            report["outbox"] = measure.outbox(
                wanted=wanted,
                batch=dispatch_batch or settings.OUTBOX_BATCH_SIZE,
                seed=seed,
                timeout=dispatch_timeout,
                progress=progress,
            )
        report["environment"]["database_mib"] = _database_mib()
    report["measure_seconds"] = round(total.seconds - (0 if reuse else generated.get("seconds") or 0), 1)
    report["peak_rss_mib"] = peak_rss_mib()
    report["peak_rss_mib_before_outbox"] = rss_before_outbox
    report["targets"] = targets(report)
    return report
