"""
The book the faults run on: migrated and generated once into the template database
``faults_book`` of the private cluster, then copied (CREATE DATABASE … TEMPLATE) for each
fault, so every fault starts from the same data in seconds.

"""

from __future__ import annotations

import os
import secrets

from .servers import PYTHON, ROOT, VAR, PrivateCluster, spawn

TEMPLATE = "faults_book"
KEY_FILE = VAR / "audit_ledger_key"


def use_book_key() -> None:
    """The audit ledger key the private cluster's rows are sealed with, kept with the
    cluster (var/faults/audit_ledger_key) and given to every process the scripts start,
    so that a cluster copied from another worktree (whose var/ holds another key) still
    verifies. Made once: from AUDIT_LEDGER_KEY or the worktree's own key when there is one
    (what a book built before this file existed was sealed with), else a new one."""
    if not KEY_FILE.exists():
        own = ROOT / "var" / "audit_ledger_key"
        key = os.environ.get("AUDIT_LEDGER_KEY") or (own.read_text().strip() if own.exists() else "")
        KEY_FILE.write_text(key or secrets.token_urlsafe(50))
        KEY_FILE.chmod(0o600)
    os.environ["AUDIT_LEDGER_KEY"] = KEY_FILE.read_text().strip()


def ensure_book(cluster: PrivateCluster, cases: int, log) -> dict:
    """Create and fill the template database unless a book of ``cases`` cases is there."""
    exists = cluster.sql(f"SELECT 1 FROM pg_database WHERE datname = '{TEMPLATE}'")
    if exists:
        have = cluster.sql("SELECT count(*) FROM cases_collectioncase", TEMPLATE)
        if int(have or 0) >= cases:
            return {"cases": int(have), "reused": True}
        cluster.sql(f'DROP DATABASE "{TEMPLATE}" WITH (FORCE)')
    cluster.sql(f'CREATE DATABASE "{TEMPLATE}"')
    env = {"DATABASE_URL": cluster.url(TEMPLATE), "REDIS_URL": ""}
    for args in (["manage.py", "migrate", "-v0"], ["-m", "bench.faults.run_step", "book", str(cases)]):
        process = spawn([PYTHON, *args], env=env, log=log)
        if process.wait() != 0:
            raise RuntimeError(f"{' '.join(args)} failed (see {log})")
    return {"cases": int(cluster.sql("SELECT count(*) FROM cases_collectioncase", TEMPLATE)), "reused": False}
