"""
``python -m bench.faults [kill] [redis] [pg] [--cases N] [--kills N] [--messages N]``:
each fault on private servers (a Redis on port 63xx, a PostgreSQL cluster in var/faults/pg
on port 54xx), never the machine's own. Prints each report as JSON, writes it to
var/faults-<fault>.json, and exits non-zero when an invariant failed.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from . import pg_restart, redis_outage, worker_kill
from .book import TEMPLATE, ensure_book, use_book_key
from .servers import ROOT, VAR, PrivateCluster, PrivateRedis

PG_PORT, REDIS_PORT, WEB_PORT = 54321, 63791, 8791


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.faults")
    parser.add_argument("faults", nargs="*", help="kill, redis, pg (default: all three)")
    parser.add_argument("--cases", type=int, default=50_000)
    parser.add_argument("--kills", type=int, default=100)
    parser.add_argument("--messages", type=int, default=5_000)
    parser.add_argument("--outage", type=float, default=30.0)
    parser.add_argument("--restart-after", type=float, help="seconds into the nightly run (a third of a clean one)")
    parser.add_argument("--seed", type=int, default=21)
    parser.add_argument("--redis-port", type=int, default=REDIS_PORT, help="another one to run two scripts at once")
    parser.add_argument("--web-port", type=int, default=WEB_PORT)
    args = parser.parse_args(argv)
    faults = args.faults or ["kill", "redis", "pg"]
    if set(faults) - {"kill", "redis", "pg"}:
        parser.error("the faults are: kill, redis, pg")
    VAR.mkdir(parents=True, exist_ok=True)
    use_book_key()
    cluster, redis = PrivateCluster(PG_PORT), PrivateRedis(args.redis_port)
    failed = []
    cluster.start()
    try:
        book = ensure_book(cluster, args.cases, VAR / "book.log")
        for fault in faults:
            log = VAR / f"{fault}.log"
            log.write_text("")
            started = time.monotonic()
            with redis:
                if fault == "kill":
                    cluster.copy_database(TEMPLATE, worker_kill.DATABASE)
                    report = worker_kill.run(
                        cluster, redis, kills=args.kills, messages=args.messages, seed=args.seed, log=log
                    )
                elif fault == "redis":
                    cluster.copy_database(TEMPLATE, redis_outage.DATABASE)
                    report = redis_outage.run(cluster, redis, outage=args.outage, web_port=args.web_port, log=log)
                else:
                    cluster.copy_database(TEMPLATE, pg_restart.DATABASE)
                    cluster.copy_database(TEMPLATE, pg_restart.CONTROL)
                    report = pg_restart.run(cluster, redis, delay=args.restart_after, log=log)
            report = {
                "fault": fault,
                "book_cases": book["cases"],
                "wall_seconds": round(time.monotonic() - started),
                **report,
            }
            text = json.dumps(report, indent=1, default=str)
            print(text, flush=True)
            (ROOT / "var" / f"faults-{fault}.json").write_text(text + "\n")
            if not report["ok"]:
                failed.append(fault)
    finally:
        cluster.stop()
    if failed:
        print(f"faults failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
