"""
The book the faults run on: migrated and generated once into the template database
``faults_book`` of the private cluster, then copied (CREATE DATABASE … TEMPLATE) for each
fault, so every fault starts from the same data in seconds.

"""

from __future__ import annotations

from .servers import PYTHON, PrivateCluster, spawn

TEMPLATE = "faults_book"


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
