"""
Worker processes for the outbox measurement: ``dispatching(processes=N, …)`` starts N OS
processes (``python -m bench.dispatchers``), each a Django process of its own like a
Celery worker, lets them set up, then tells them all to start at once; each runs
``dispatch_outbox(batch)`` through the file gateway into the shared folder until nothing
is due, sealing the audit ledger after each commit as a real worker does, and reports its
counts, its own start and end and its CPU time (steadier than wall time on a busy machine). The wall time is first start to last end: process
start-up and ``django.setup()`` are not in it.
"""

from __future__ import annotations

from collections import Counter
import json
import os
import subprocess
import sys
import time

READY, GO = "ready", "go"
FILE_GATEWAY = "contacts.gateways.file.FileGateway"


def dispatching(*, processes: int, folder: str, batch: int, timeout: float) -> dict:
    """Run ``processes`` dispatching workers over what is due now; their summed counts."""
    env = dict(os.environ, DJANGO_SETTINGS_MODULE=os.environ.get("DJANGO_SETTINGS_MODULE", "collections_site.settings"))
    from django.db import connection

    # The database this process measures (a test run's test_… one too), not the settings' name.
    database = connection.settings_dict["NAME"]
    command = [sys.executable, "-m", "bench.dispatchers", folder, str(batch), str(timeout), database]
    workers = [
        subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
        for _ in range(processes)
    ]
    try:
        for worker in workers:
            while (line := worker.stdout.readline()) and line.strip() != READY:
                pass  # start-up chatter
            if not line:
                from .bulk import BenchError

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


def _work(folder: str, batch: int, timeout: float) -> dict:
    from django.test.utils import override_settings

    from contacts.outbox import dispatch_outbox
    from policy.codes import Channel

    totals = Counter()
    gateways = {channel: FILE_GATEWAY for channel in Channel.values}
    print(READY, flush=True)
    sys.stdin.readline()  # GO: every worker starts together
    started, cpu = time.time(), time.process_time()
    with override_settings(OUTBOX_DIR=folder, CONTACT_GATEWAYS=gateways):
        while time.time() - started < timeout:
            counts = dispatch_outbox(batch=batch)
            if not any(counts.values()):
                break
            totals.update(counts)
    return {"started": started, "ended": time.time(), "cpu": time.process_time() - cpu, "counts": dict(totals)}


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "collections_site.settings")
    import django

    django.setup()
    from django.db import connections

    connections["default"].settings_dict["NAME"] = sys.argv[4]
    print(json.dumps(_work(sys.argv[1], int(sys.argv[2]), float(sys.argv[3]))), flush=True)
