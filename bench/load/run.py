"""
``python -m bench.load.run`` (``make load``): the load test, start to finish.

1. A fresh PostgreSQL database (named bench*), migrated, with a bench book and the load
   staff (``manage.py load_book``).
2. Two phases with the same users for the same time: the audit ledger's sealing on, then
   off. Each phase starts gunicorn (gthread workers, loopback), a Celery worker and beat on
   Redis, all with DEBUG off, waits until each answers, runs Locust headless against it, and
   stops them all again.
3. A JSON report (per request type: count, rps, p50/p95/p99, failures; the ledger tax:
   throughput with sealing / throughput without) in var/load-<users>-users.json, a short
   table, and a non-zero exit on any failed request.

Every process it starts is in its own process group and is stopped, whatever happens.
"""

from __future__ import annotations

import argparse
import csv
from datetime import UTC, datetime
import json
import os
from pathlib import Path
import secrets
import signal
import socket
import subprocess
import sys
import time
from urllib.parse import urlsplit, urlunsplit
import urllib.request

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
BIN = Path(PYTHON).parent
SERVER = "postgres://postgres@127.0.0.1:5432/"
# 2 cores: three workers of four threads keep both busy while one waits on PostgreSQL.
GUNICORN_WORKERS = 3
GUNICORN_THREADS = 4
TAX_TARGET = 0.8


class LoadError(Exception):
    """The run could not be set up or measured (not: a request failed)."""


def say(message: str) -> None:
    print(f"[load {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _database_url(server: str, name: str) -> str:
    return urlunsplit(urlsplit(server)._replace(path=f"/{name}"))


def _psql(server: str, sql: str) -> None:
    subprocess.run(
        [
            "psql",
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            _database_url(server, "postgres"),
            "-c",
            sql,
        ],
        check=True,
    )


def _manage(env: dict, *args: str) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Processes:
    """Started processes, each in its own group, all stopped on exit of the block."""

    def __init__(self, logs: Path):
        self.logs = logs
        self.started: list[tuple[str, subprocess.Popen]] = []

    def start(self, name: str, args: list[str], env: dict) -> subprocess.Popen:
        log = open(self.logs / f"{name}.log", "ab")
        process = subprocess.Popen(
            args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()
        self.started.append((name, process))
        return process

    def check_alive(self) -> None:
        for name, process in self.started:
            if process.poll() is not None:
                raise LoadError(f"{name} stopped (exit {process.returncode}); see {self.logs / (name + '.log')}")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        for _name, process in self.started:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 20
        for _name, process in self.started:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        self.started.clear()


def _wait_for_web(url: str, processes: Processes, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        processes.check_alive()
        try:
            with urllib.request.urlopen(url + "/admin/login/", timeout=5) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise LoadError(f"gunicorn did not answer at {url} in {timeout:.0f} s")


def _wait_for_worker(env: dict, processes: Processes, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        processes.check_alive()
        answer = subprocess.run(
            [str(BIN / "celery"), "-A", "collections_site", "inspect", "ping", "--timeout", "3"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        if answer.returncode == 0 and "pong" in answer.stdout:
            return
        time.sleep(1)
    raise LoadError(f"the Celery worker did not answer a ping in {timeout:.0f} s")


def _start_site(processes: Processes, env: dict, port: int) -> str:
    url = f"http://127.0.0.1:{port}"
    processes.start(
        "gunicorn",
        [
            str(BIN / "gunicorn"),
            "collections_site.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(GUNICORN_WORKERS),
            "--worker-class",
            "gthread",
            "--threads",
            str(GUNICORN_THREADS),
            "--timeout",
            "120",
        ],
        env,
    )
    processes.start(
        "worker",
        [str(BIN / "celery"), "-A", "collections_site", "worker", "--concurrency", "1", "--loglevel", "warning"],
        env,
    )
    processes.start(
        "beat",
        [
            str(BIN / "celery"),
            "-A",
            "collections_site",
            "beat",
            "--loglevel",
            "warning",
            "--schedule",
            str(Path(env["VAR_DIR"]) / "celerybeat-schedule"),
        ],
        env,
    )
    _wait_for_web(url, processes)
    _wait_for_worker(env, processes)
    return url


def _locust(env: dict, url: str, users: int, seconds: int, prefix: Path, logs: Path) -> int:
    spawn_rate = max(1, min(users, 10))
    answer = subprocess.run(
        [
            str(BIN / "locust"),
            "-f",
            str(ROOT / "bench" / "load" / "locustfile.py"),
            "--headless",
            "--host",
            url,
            "-u",
            str(users),
            "-r",
            str(spawn_rate),
            "-t",
            f"{seconds}s",
            "--stop-timeout",
            "10",
            "--csv",
            str(prefix),
            "--exit-code-on-error",
            "1",
            "--only-summary",
            "--loglevel",
            "WARNING",
        ],
        cwd=ROOT,
        env=env,
        stdout=open(logs / f"{prefix.name}-locust.log", "wb"),
        stderr=subprocess.STDOUT,
    )
    return answer.returncode


def _number(value: str):
    try:
        return round(float(value), 2)
    except ValueError:
        return None


def read_stats(prefix: Path) -> dict:
    """Locust's own ``--csv`` numbers, per request type and in total."""
    rows = {}
    with open(f"{prefix}_stats.csv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            name = "total" if row["Name"] == "Aggregated" else row["Name"]
            rows[name] = {
                "count": int(row["Request Count"]),
                "failures": int(row["Failure Count"]),
                "rps": _number(row["Requests/s"]),
                "p50_ms": _number(row["50%"]),
                "p95_ms": _number(row["95%"]),
                "p99_ms": _number(row["99%"]),
                "max_ms": _number(row["Max Response Time"]),
            }
    failures = []
    with open(f"{prefix}_failures.csv", encoding="utf-8") as handle:
        failures = [
            {"name": row["Name"], "error": row["Error"], "occurrences": int(row["Occurrences"])}
            for row in csv.DictReader(handle)
        ]
    return {"requests": rows, "failure_kinds": failures}


def _environment(database_url: str, redis_url: str, var_dir: Path, sealing: bool) -> dict:
    """Production-like: DEBUG off, secrets given; only plain http on loopback differs
    (no TLS redirect, cookies not marked Secure)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTEST", "DJANGO_"))}
    return env | {
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "VAR_DIR": str(var_dir),
        "DEBUG": "false",
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "SECURE_HSTS_SECONDS": "0",
        "GATEWAY_WEBHOOK_SECRET": env.get("GATEWAY_WEBHOOK_SECRET") or secrets.token_urlsafe(50),
        "AUDIT_LEDGER_SEALING": "true" if sealing else "false",
        "REQUIRE_SERVICES": "1",
    }


def _commit() -> str:
    answer = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    return answer.stdout.strip() or "unknown"


def _ledger_rows(database_url: str) -> tuple[int, int]:
    """(entries in the audit ledger, rows waiting in its queue): what a phase sealed."""
    answer = subprocess.run(
        [
            "psql",
            "-At",
            database_url,
            "-c",
            "SELECT (SELECT count(*) FROM compliance_auditledger), (SELECT count(*) FROM audit_queue)",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    entries, queued = answer.stdout.strip().split("|")
    return int(entries), int(queued)


def run_phase(*, name: str, sealing: bool, base_env: dict, args, accounts: Path, logs: Path) -> dict:
    env = base_env | {"AUDIT_LEDGER_SEALING": "true" if sealing else "false", "LOAD_ACCOUNTS": str(accounts)}
    _manage(env, "load_book", "--sign-in-again")
    say(f"phase {name}: sealing {'on' if sealing else 'off'}, starting gunicorn, worker and beat")
    started_at = datetime.now(UTC)
    entries_before, _queued = _ledger_rows(env["DATABASE_URL"])
    with Processes(logs) as processes:
        url = _start_site(processes, env, _free_port())
        say(f"phase {name}: {args.users} users for {args.seconds} s against {url}")
        exit_code = _locust(env, url, args.users, args.seconds, logs / f"phase-{name}", logs)
        processes.check_alive()
    stats = read_stats(logs / f"phase-{name}")
    entries_after, queued = _ledger_rows(env["DATABASE_URL"])
    return {
        "sealing": sealing,
        "ledger": {"entries_sealed": entries_after - entries_before, "queued_at_end": queued},
        "started_at": started_at.isoformat(timespec="seconds"),
        "locust_exit_code": exit_code,
        **stats,
    }


def _work_rps(phase: dict) -> float:
    """Requests per second once signed in: the sign-in's password hashing is the same work
    in both phases and, on a busy machine, a large share of a short run."""
    rows = phase["requests"]
    return round(
        sum(row["rps"] or 0 for name, row in rows.items() if name != "total" and not name.startswith("sign in")), 2
    )


def ledger_tax(phases: dict) -> dict:
    on, off = phases["sealing_on"]["requests"]["total"]["rps"], phases["sealing_off"]["requests"]["total"]["rps"]
    ratio = round(on / off, 3) if off else None
    work_on, work_off = _work_rps(phases["sealing_on"]), _work_rps(phases["sealing_off"])
    return {
        "rps_sealing_on": on,
        "rps_sealing_off": off,
        "ratio": ratio,
        "target": TAX_TARGET,
        "met": ratio is not None and ratio >= TAX_TARGET,
        "work_rps_sealing_on": work_on,
        "work_rps_sealing_off": work_off,
        "work_ratio": round(work_on / work_off, 3) if work_off else None,
    }


def print_table(report: dict) -> None:
    print(f"{'request':32} {'sealing':>7} {'count':>7} {'rps':>7} {'p50':>6} {'p95':>6} {'p99':>6} {'fail':>5}")
    for phase in report["phases"].values():
        for name, row in phase["requests"].items():
            print(
                f"{name:32} {'on' if phase['sealing'] else 'off':>7} {row['count']:>7} {row['rps']:>7} "
                f"{row['p50_ms']:>6} {row['p95_ms']:>6} {row['p99_ms']:>6} {row['failures']:>5}"
            )
    tax = report["ledger_tax"]
    print(
        f"ledger tax: {tax['rps_sealing_on']} / {tax['rps_sealing_off']} req/s = {tax['ratio']} (target >= {TAX_TARGET})"
    )
    print(f"  once signed in: {tax['work_rps_sealing_on']} / {tax['work_rps_sealing_off']} req/s = {tax['work_ratio']}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=300, help="Length of each phase (sealing on, then off).")
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--database", default="bench_load", help="Dropped and made again: must start with bench.")
    parser.add_argument("--reuse", action="store_true", help="Keep the database made by an earlier run.")
    parser.add_argument(
        "--database-url", help="Instead: an existing migrated database without cases (the tests' own), not dropped."
    )
    parser.add_argument("--server", default=os.environ.get("LOAD_POSTGRES", SERVER))
    parser.add_argument("--redis", default=os.environ.get("LOAD_REDIS_URL", "redis://127.0.0.1:6379/4"))
    parser.add_argument("--output", help="Default: var/load-<users>-users.json")
    args = parser.parse_args(argv)
    if not args.database.startswith("bench"):
        raise SystemExit(f"Refusing to drop and fill {args.database!r}: the name must start with 'bench'.")
    database_url = args.database_url or _database_url(args.server, args.database)
    logs = ROOT / "var" / "load" / urlsplit(database_url).path.strip("/")
    logs.mkdir(parents=True, exist_ok=True)
    accounts = logs / "accounts.json"
    base_env = _environment(database_url, args.redis, logs, sealing=True)
    if args.database_url:  # load_book itself refuses a database not named bench* or test_*
        _manage(
            base_env, "load_book", "--cases", str(args.cases), "--users", str(args.users), "--output", str(accounts)
        )
    elif not (args.reuse and accounts.exists()):
        say(f"making {args.database}: migrate, then a book of {args.cases:,} cases and the load staff")
        _psql(args.server, f'DROP DATABASE IF EXISTS "{args.database}"')
        _psql(args.server, f'CREATE DATABASE "{args.database}"')
        _manage(base_env, "migrate", "--noinput", "-v0")
        _manage(
            base_env, "load_book", "--cases", str(args.cases), "--users", str(args.users), "--output", str(accounts)
        )
    subprocess.run(["redis-cli", "-u", args.redis, "flushdb"], check=True, capture_output=True)
    phases = {}
    for name, sealing in (("sealing_on", True), ("sealing_off", False)):
        phases[name] = run_phase(name=name, sealing=sealing, base_env=base_env, args=args, accounts=accounts, logs=logs)
    report = {
        "users": args.users,
        "seconds_per_phase": args.seconds,
        "cases": json.loads(accounts.read_text()).get("cases"),
        "commit": _commit(),
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "server": {"gunicorn_workers": GUNICORN_WORKERS, "threads": GUNICORN_THREADS, "cpus": os.cpu_count()},
        "phases": phases,
        "ledger_tax": ledger_tax(phases),
    }
    report["failures"] = sum(phase["requests"]["total"]["failures"] for phase in phases.values())
    output = Path(args.output or ROOT / "var" / f"load-{args.users}-users.json")
    output.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print_table(report)
    print(f"report: {output}")
    if report["failures"] or any(phase["locust_exit_code"] for phase in phases.values()):
        print(f"FAILED: {report['failures']} failed requests (see {logs})", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except LoadError as problem:
        print(f"load test: {problem}", file=sys.stderr)
        sys.exit(2)
