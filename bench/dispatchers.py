"""
Worker processes for the outbox measurement: ``dispatching(processes=N, …)`` starts N OS
processes (``manage.py bench_dispatcher``), each a Django process of its own like a
Celery worker, lets them set up, then tells them all to start at once; each runs
``dispatch_outbox(batch)`` through the file gateway into the shared folder until nothing
is due, sealing the audit ledger after each commit as a real worker does, and reports its
counts, its own start and end and its CPU time (steadier than wall time on a busy
machine). The wall time is first start to last end: process start-up and
``django.setup()`` are not in it.
"""

from __future__ import annotations

from collections import Counter
import json
import subprocess
import sys
import time

from django.conf import settings
from django.db import connection
from django.test.utils import override_settings

from contacts.outbox import dispatch_outbox
from policy.codes import Channel

from .bulk import BenchError

READY, GO = "ready", "go"
FILE_GATEWAY = "contacts.gateways.file.FileGateway"


def dispatching(*, processes: int, folder: str, batch: int, timeout: float) -> dict:
    """Run ``processes`` dispatching workers over what is due now; their summed counts."""
    # The database this process measures (a test run's test_… one too), not the settings' name.
    database = connection.settings_dict["NAME"]
    manage = str(settings.BASE_DIR / "manage.py")
    command = [sys.executable, manage, "bench_dispatcher", folder, str(batch), str(timeout), database]
    workers = [
        subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) for _ in range(processes)
    ]
    try:
        for worker in workers:
            while (line := worker.stdout.readline()) and line.strip() != READY:
                pass  # start-up chatter
            if not line:
                raise BenchError("a dispatching worker failed to start")
        for worker in workers:
            worker.stdin.write(GO + "\n")
            worker.stdin.flush()
        reports = [
            json.loads(worker.communicate(timeout=timeout + 120)[0].strip().splitlines()[-1]) for worker in workers
        ]
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
    totals = Counter()
    for report in reports:
        totals.update(report["counts"])
    seconds = max(r["ended"] for r in reports) - min(r["started"] for r in reports)
    return {
        "processes": processes,
        "seconds": round(seconds, 3),
        "processed": sum(totals.values()),
        "sent_per_second": round(totals["sent"] / seconds, 1) if seconds else None,
        **{outcome: totals[outcome] for outcome in ("sent", "deferred", "suppressed", "retry", "failed", "skipped")},
        "per_process": [
            {"seconds": round(r["ended"] - r["started"], 3), "cpu_seconds": round(r["cpu"], 3), **r["counts"]}
            for r in reports
        ],
    }


def work(folder: str, batch: int, timeout: float) -> dict:
    """dispatch_outbox(batch) until nothing is due or ``timeout``: counts, start, end, CPU."""
    totals = Counter()
    gateways = {channel: FILE_GATEWAY for channel in Channel.values}
    started, cpu = time.time(), time.process_time()
    with override_settings(OUTBOX_DIR=folder, CONTACT_GATEWAYS=gateways):
        while time.time() - started < timeout:
            counts = dispatch_outbox(batch=batch)
            if not any(counts.values()):
                break
            totals.update(counts)
    return {"started": started, "ended": time.time(), "cpu": time.process_time() - cpu, "counts": dict(totals)}
