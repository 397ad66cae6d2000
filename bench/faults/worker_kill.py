"""
Fault 1: the worker SIGKILLed at random moments while it dispatches the outbox.

A real Celery worker (prefork, two children) on the private Redis takes the dispatch task
this script keeps queued; the whole worker (its process group: the main process and its
pool children) is SIGKILLed at a random moment of its work and started again, until
``kills`` kills have landed **during dispatch** — while messages of the run were still due
or claimed — then the last worker runs until nothing is due. Messages running out before
that is an error, not a pass: the plan below is meant to make it impossible.

The plan (``delay_range``, ``batch_for``): each kill's delay after the worker says "ready"
is drawn from [0, D], D scaled to the dispatch rate observed so far, so that the kills
still to come cannot use up the messages still unfinished; the batch is sized so that the
longest delay spans about one batch per pool child (a kill lands anywhere in a batch:
claim, judgement, gateway, recording, commit). The claim lease is shortened through the
environment (OUTBOX_CLAIM_LEASE_SECONDS) so a killed worker's claims come back within one
worker's start-up. Then the database and the gateway's files must agree: no message
delivered twice, none lost, one contact attempt per send and one gateway file per send.

The database side runs in Django subprocesses (``python -m bench.faults.worker_kill
prepare|status|verify``), the orchestration in bench/faults/__main__.py.
"""

from __future__ import annotations

from datetime import UTC, datetime
import json
from pathlib import Path
import random
import time

from .servers import PYTHON, VAR, kill_group, run_step, spawn

DATABASE = "faults_kill"
MARKER = VAR / "kill-marker.json"
CHILDREN = 2  # the worker's pool (--concurrency)
# Longer than a batch takes (0.1-0.3 s for a dozen messages here, reported as
# batch_seconds) so a live worker keeps its claim; shorter than a worker's start-up (2-4 s
# to "ready", reported as seconds_to_ready) so a killed worker's claims are due again by
# the time its successor can take them.
LEASE_SECONDS = 3
# The longest delay, before a rate has been observed and whatever it is.
LONGEST_DELAY = 3.0


def delay_range(unfinished: int, kills_left: int, rate: float, longest: float = LONGEST_DELAY) -> float:
    """D for the next kill's delay, drawn from [0, D]. A worker living D seconds finishes
    about ``rate``·D messages; D = unfinished / (2 · kills_left · rate) lets it finish at
    most half of its share (unfinished / kills_left) of what is left, so even if every
    kill to come drew the longest delay, messages would remain after each (at the last
    kill, half of what was left): they could run out only if the rate doubled. No rate
    observed yet: ``longest``."""
    if rate <= 0:
        return longest
    return min(longest, unfinished / (2 * kills_left * rate))


def batch_for(messages: int, kills: int, children: int = CHILDREN) -> int:
    """The batch the plan needs: at the first kill the longest delay finishes
    messages / (2 · kills) messages (``delay_range``), spread over the pool's children; a
    batch of that size per child puts a whole batch inside the delay range. A bigger
    batch would not commit within a worker's life (the kills would land before any
    progress, always in the first claim); a smaller one would spread the same work over
    more claims and commits for nothing."""
    return max(1, messages // (2 * kills * children))


def run(cluster, redis, *, kills: int, messages: int, seed: int, log: Path) -> dict:
    from celery import Celery
    import redis as redis_client

    rng = random.Random(seed)
    batch = batch_for(messages, kills)
    outbox_dir = VAR / "outbox-kill"
    _clear(outbox_dir)
    env = {
        "DATABASE_URL": cluster.url(DATABASE),
        "REDIS_URL": redis.url,
        "OUTBOX_DIR": str(outbox_dir),
        "OUTBOX_CLAIM_LEASE_SECONDS": str(LEASE_SECONDS),
        "OUTBOX_BATCH_SIZE": str(batch),
    }
    prepared = run_step(env, "kill_prepare", str(messages), str(seed))
    app = Celery(broker=redis.url)
    queue = redis_client.Redis.from_url(redis.url)
    worker_args = [
        PYTHON, "-m", "celery", "-A", "collections_site", "worker", f"--concurrency={CHILDREN}", "--loglevel=info",
    ]  # fmt: skip

    def keep_queued() -> None:
        # Two dispatch tasks waiting at most: the worker always has work, the queue never piles up.
        while queue.llen("celery") < 2:
            app.send_task("core.tasks.run_scheduled_job", args=["dispatch_outbox", "faults"])

    started = time.monotonic()
    first_unfinished = unfinished = _unfinished(cluster)[0]
    during, lives, error = 0, [], None

    def start():
        # The log's length first: "ready" is looked for in what this worker writes.
        return log.stat().st_size, time.monotonic(), datetime.now(UTC), spawn(worker_args, env=env, log=log)

    offset, spawned, born, worker = start()
    try:
        while during < kills:
            keep_queued()
            _wait_ready(log, offset)
            ready = time.monotonic()
            worked = sum(life["delay"] for life in lives)
            rate = (first_unfinished - unfinished) / worked if worked else 0.0
            longest = delay_range(unfinished, kills - during, rate)
            delay = rng.uniform(0.0, longest)
            deadline = ready + delay
            while time.monotonic() < deadline:
                keep_queued()
                time.sleep(min(0.05, max(0.0, deadline - time.monotonic())))
            kill_group(worker)
            # Rows only leave "due or claimed" (a commit the killed worker had sent may still
            # land): unfinished after the kill means unfinished at the kill.
            unfinished, held = _unfinished(cluster, since=born)
            lives.append({"ready": ready - spawned, "range": longest, "delay": delay, "held": held})
            if unfinished == 0:
                error = f"the messages ran out after {during} of {kills} kills during dispatch"
                break
            during += 1
            if time.monotonic() - started > 3600:
                error = f"an hour passed with {during} of {kills} kills during dispatch"
                break
            offset, spawned, born, worker = start()
        if error is None:
            # The last worker: until nothing of the run is due or claimed.
            while run_step(env, "kill_status")["pending"]:
                keep_queued()
                time.sleep(2)
                if time.monotonic() - started > 3600:
                    error = "the last worker did not finish within the hour"
                    break
    finally:
        kill_group(worker)
    worked = sum(life["delay"] for life in lives)
    rate = (first_unfinished - unfinished) / worked if worked else 0.0
    report = {
        "kills": len(lives),
        "kills_during_dispatch": during,
        "kills_wanted": kills,
        # Kills that found the worker holding claimed messages (claimed since it started):
        # caught mid-batch, between its claim and its commit.
        "kills_holding_claims": sum(1 for life in lives if life["held"]),
        "messages_held_at_kills": sum(life["held"] for life in lives),
        "unfinished_at_last_kill": unfinished,
        "claim_lease_seconds": LEASE_SECONDS,
        "batch": batch,
        "dispatch_rate_per_second": round(rate, 1),
        "batch_seconds": round(batch * CHILDREN / rate, 2) if rate else None,
        "seconds_to_ready": _spread(life["ready"] for life in lives),
        "delay_range_seconds": _spread(life["range"] for life in lives),
        "delay_seconds": _spread(life["delay"] for life in lives),
        "error": error,
        "seconds": round(time.monotonic() - started, 1),
        **prepared,
        "still_due": _unfinished(cluster)[0],
        **run_step(env, "kill_verify"),
    }
    report["workers_started"] = len(lives) + (error is None)
    report["ok"] = (
        error is None
        and report["kills_during_dispatch"] == kills
        and report["still_due"] == 0
        and report["delivered_twice"] == 0
        and report["lost"] == 0
        and report["attempts"] == report["sent"] == report["gateway_deliveries"]
    )
    return report


def _spread(values) -> dict:
    values = sorted(values)
    if not values:
        return {}
    return {
        "min": round(values[0], 2),
        "median": round(values[len(values) // 2], 2),
        "max": round(values[-1], 2),
    }


def _unfinished(cluster, since: datetime | None = None) -> tuple[int, int]:
    """Messages of the run still due or claimed, and those claimed since ``since`` (by the
    worker started then), by psql: no Django start per kill."""
    ids = ",".join(map(str, json.loads(MARKER.read_text())["ids"]))
    since_sql = f"'{since.isoformat()}'" if since else "'infinity'"
    sql = (
        "SELECT count(*) FILTER (WHERE state = 'sending' OR (state = 'scheduled' AND scheduled_for <= now())), "
        f"count(*) FILTER (WHERE state = 'sending' AND claimed_at >= {since_sql}) "
        f"FROM contacts_outboundmessage WHERE id IN ({ids})"
    )
    due, held = cluster.sql(sql, DATABASE).split("|")
    return int(due), int(held)


def _wait_ready(log: Path, offset: int, timeout: float = 120.0) -> None:
    """Until the worker log says "ready" after ``offset`` (where the worker started)."""
    deadline = time.monotonic() + timeout
    with open(log, "rb") as handle:
        handle.seek(offset)
        seen = b""
        while b" ready." not in seen:
            if time.monotonic() > deadline:
                raise RuntimeError(f"no worker ready after {timeout:.0f} s (see {log})")
            time.sleep(0.05)
            seen = seen[-16:] + handle.read()


def _clear(folder: Path) -> None:
    import shutil

    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
