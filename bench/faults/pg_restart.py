"""
Fault 3: PostgreSQL restarted (``pg_ctl restart -m fast``) in the middle of the nightly
cycle, which a real Celery worker runs the way beat starts every job
(``core.tasks.run_scheduled_job``). Then: the run is recorded as failed (not left
"running"), the next run on the same worker completes, the book ends as a clean night on
a copy of it leaves it (each step a transaction: nothing half-written), and the audit
ledger verifies (``manage.py verify_audit_chain``).
"""

from __future__ import annotations

import os
from pathlib import Path
import subprocess
import time

from .servers import PYTHON, ROOT, kill_group, run_step, spawn

DATABASE = "faults_nightly"
CONTROL = "faults_nightly_control"
JOB = "nightly_cycle"


def run(cluster, redis, *, delay: float | None, log: Path) -> dict:
    from celery import Celery

    env = {"DATABASE_URL": cluster.url(DATABASE), "REDIS_URL": redis.url, "OUTBOX_DIR": str(log.parent / "outbox-pg")}
    control_env = {**env, "DATABASE_URL": cluster.url(CONTROL)}
    report: dict = {}

    # The control: the same book, a night with no fault.
    started = time.monotonic()
    subprocess.run(
        [PYTHON, "manage.py", "run_job", JOB],
        env={**os.environ, **control_env},
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    report["clean_night_seconds"] = round(time.monotonic() - started, 1)
    # Into the middle of the run: a third of the clean night (which includes Django's start).
    delay = report["restart_after_seconds"] = round(
        delay if delay is not None else report["clean_night_seconds"] / 3, 1
    )

    run_step(env, "pg_mark")
    app = Celery(broker=redis.url)
    worker = spawn(
        [PYTHON, "-m", "celery", "-A", "collections_site", "worker", "--concurrency=1", "--loglevel=info"],
        env=env,
        log=log,
    )
    try:
        app.send_task("core.tasks.run_scheduled_job", args=[JOB])
        first = _wait(cluster, lambda runs: runs and runs[0]["status"] == "running", 300)[0]
        time.sleep(delay)
        still = _runs(cluster)[0]
        report["running_when_restarted"] = still["status"] == "running"
        report["restart_seconds"] = cluster.restart()
        # The failed run must say so within a minute (it is not left "running").
        runs = _wait(cluster, lambda runs: runs and runs[-1]["status"] != "running", 120, id_=first["id"])
        report["first_run"] = runs[-1]
        app.send_task("core.tasks.run_scheduled_job", args=[JOB])
        runs = _wait(cluster, lambda runs: len(runs) > 1 and runs[0]["status"] != "running", 600)
        report["next_run"] = runs[0]
        # The ledger is sealed seconds after commit by beat's task: run it once, as beat would.
        app.send_task("audit.tasks.seal_audit_ledger")
        time.sleep(5)
    finally:
        kill_group(worker)
    verify = subprocess.run(
        [PYTHON, "manage.py", "verify_audit_chain"], env={**os.environ, **env}, cwd=ROOT, capture_output=True, text=True
    )
    report["verify_audit_chain_command"] = {
        "exit": verify.returncode,
        "output": (verify.stdout + verify.stderr).strip().splitlines()[-1][:400],
    }
    report["ledger"] = run_step(env, "pg_ledger")
    report["fingerprint_matches_clean_night"] = run_step(env, "pg_fingerprint") == run_step(
        control_env, "pg_fingerprint"
    )
    report["ok"] = (
        report["running_when_restarted"]
        and report["first_run"]["status"] == "failed"
        and report["next_run"]["status"] == "succeeded"
        and report["ledger"]["ok"]
        and report["fingerprint_matches_clean_night"]
    )
    return report


def _runs(cluster, id_=None) -> list[dict]:
    where = f"id = {int(id_)}" if id_ else f"job = '{JOB}'"
    try:
        rows = cluster.sql(
            f"SELECT id, status, started_at, finished_at FROM cases_jobrun WHERE {where} ORDER BY id DESC", DATABASE
        )
    except subprocess.CalledProcessError:
        return []  # the server is restarting
    keys = ("id", "status", "started_at", "finished_at")
    return [dict(zip(keys, line.split("|"), strict=True)) for line in rows.splitlines() if line]


def _wait(cluster, done, timeout: float, id_=None) -> list[dict]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        runs = _runs(cluster, id_)
        if done(runs):
            return runs
        time.sleep(0.5)
    return _runs(cluster, id_) or [{"status": "timeout"}]
