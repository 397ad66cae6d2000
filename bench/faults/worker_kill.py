"""
Fault 1: the worker SIGKILLed at random moments while it dispatches the outbox.

A real Celery worker (prefork, two children) on the private Redis takes the dispatch task
this script keeps queued; the whole worker (its process group: the main process and its
pool children) is SIGKILLed ``kills`` times at random moments, and started again each
time, until nothing is due. The claim lease is shortened through the environment
(OUTBOX_CLAIM_LEASE_SECONDS) so a killed worker's claim comes back in seconds, not
minutes. Then the database and the gateway's files must agree: no message delivered twice,
none lost, one contact attempt per send and one gateway file per send.

The database side runs in Django subprocesses (``python -m bench.faults.worker_kill
prepare|status|verify``), the orchestration in bench/faults/__main__.py.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
import random
import time

from .servers import PYTHON, VAR, kill_group, spawn

DATABASE = "faults_kill"
MARKER = VAR / "kill-marker.json"
# Small batches: the 5,000 messages take more than 100 workers' lives, so every kill lands
# while messages are still due (with 50, the last 56 of 100 kills found nothing left to do).
BATCH = 10


def run(cluster, redis, *, kills: int, messages: int, seed: int, log: Path) -> dict:
    from celery import Celery
    import redis as redis_client

    rng = random.Random(seed)
    outbox_dir = VAR / "outbox-kill"
    _clear(outbox_dir)
    env = {
        "DATABASE_URL": cluster.url(DATABASE),
        "REDIS_URL": redis.url,
        "OUTBOX_DIR": str(outbox_dir),
        "OUTBOX_CLAIM_LEASE_SECONDS": "3",
        "OUTBOX_BATCH_SIZE": str(BATCH),
    }
    prepared = _django(env, "kill_prepare", str(messages), str(seed))
    app = Celery(broker=redis.url)
    queue = redis_client.Redis.from_url(redis.url)
    worker_args = [PYTHON, "-m", "celery", "-A", "collections_site", "worker", "--concurrency=2", "--loglevel=info"]

    def keep_queued() -> None:
        # Two dispatch tasks waiting at most: the worker always has work, the queue never piles up.
        while queue.llen("celery") < 2:
            app.send_task("core.tasks.run_scheduled_job", args=["dispatch_outbox", "faults"])

    started = time.monotonic()
    done_kills, readies, during = 0, 0, 0
    worker = spawn(worker_args, env=env, log=log)
    try:
        while True:
            keep_queued()
            if done_kills < kills:
                # A random moment of its work: 0-3 s after it said it was ready.
                _wait_ready(log, readies + 1)
                readies += 1
                deadline = time.monotonic() + rng.uniform(0.0, 3.0)
                while time.monotonic() < deadline:
                    keep_queued()
                    time.sleep(0.1)
                kill_group(worker)
                done_kills += 1
                during += _still_due(cluster) > 0
                worker = spawn(worker_args, env=env, log=log)
            else:
                time.sleep(2)
            # Asked only once the kills are done: a Django start per kill would slow the loop.
            if done_kills >= kills and _django(env, "kill_status")["pending"] == 0:
                break
            if time.monotonic() - started > 3600:
                break
    finally:
        kill_group(worker)
    report = {
        "kills": done_kills,
        "claim_lease_seconds": 3,
        "batch": BATCH,
        "kills_while_messages_due": during,
        "seconds": round(time.monotonic() - started, 1),
        **prepared,
        "still_due": _still_due(cluster),
        **_django(env, "kill_verify"),
    }
    report["workers_started"] = readies + 1
    report["ok"] = (
        report["still_due"] == 0
        and report["delivered_twice"] == 0
        and report["lost"] == 0
        and report["attempts"] == report["sent"] == report["gateway_deliveries"]
    )
    return report


def _still_due(cluster) -> int:
    """Messages of the run still due or claimed (psql: no Django start per kill)."""
    ids = ",".join(map(str, json.loads(MARKER.read_text())["ids"]))
    sql = (
        f"SELECT count(*) FROM contacts_outboundmessage WHERE id IN ({ids}) AND (state = 'sending' "
        "OR (state = 'scheduled' AND scheduled_for <= now()))"
    )
    return int(cluster.sql(sql, DATABASE))


def _wait_ready(log: Path, count: int, timeout: float = 120.0) -> None:
    """Until the worker log says "ready" ``count`` times (each worker started says it once)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and log.read_text(errors="replace").count(" ready.") < count:
        time.sleep(0.1)


def _clear(folder: Path) -> None:
    import shutil

    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)


def _django(env: dict, *args: str) -> dict:
    import subprocess

    result = subprocess.run(
        [PYTHON, "-m", "bench.faults.run_step", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    return json.loads(result.stdout.strip().splitlines()[-1])
