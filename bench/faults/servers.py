"""
Private servers and process groups for the fault scripts: a Redis and a PostgreSQL
cluster of their own (never the machine's 5432 and 6379, which others use), and every
child started in its own process group so that a kill reaches its pool children too and
nothing outlives the script.

PostgreSQL's initdb refuses to run as root: when the script runs as root, the cluster's
commands run as the ``postgres`` user through ``runuser -u postgres``.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
import shutil
import signal
import socket
import subprocess
import sys
import time

ROOT = Path(__file__).resolve().parents[2]
VAR = ROOT / "var" / "faults"
PYTHON = sys.executable


class FaultError(RuntimeError):
    """A private server did not start or stop as asked."""


def run_step(env: dict, *args: str) -> dict:
    """Run one Django step of a fault script (bench/faults/steps.py) in a process of its
    own with ``env`` (the private servers' URLs), and return the JSON it printed last."""
    import json

    result = subprocess.run(
        [PYTHON, "-m", "bench.faults.run_step", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    if result.returncode:
        raise FaultError(f"step {' '.join(args)} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def wait_port(port: int, *, up: bool = True, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            if up:
                return
        except OSError:
            if not up:
                return
        time.sleep(0.1)
    raise FaultError(f"port {port} not {'up' if up else 'down'} after {timeout:.0f} s")


def spawn(args: list[str], *, env: dict | None = None, log: Path | None = None) -> subprocess.Popen:
    """A child in a process group of its own (killpg reaches its children too)."""
    out = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115 (lives as long as the child)
    return subprocess.Popen(
        args, cwd=ROOT, env={**os.environ, **(env or {})}, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
    )


def kill_group(process: subprocess.Popen, sig: int = signal.SIGKILL, wait: float = 20.0) -> None:
    """``sig`` to the child's whole process group, then reap it."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
    try:
        process.wait(timeout=wait)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    # Grandchildren the leader left behind (a pool child) are in the same group.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


class PrivateRedis:
    """``redis-server --port PORT --save ""`` as a child; stop() and start() again at will."""

    def __init__(self, port: int):
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = spawn(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--daemonize", "no"]
        )
        wait_port(self.port)

    def stop(self) -> None:
        if self.process is not None:
            kill_group(self.process, signal.SIGTERM)
            self.process = None
        wait_port(self.port, up=False)

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()


def _pg_bin(name: str) -> str:
    found = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    if found:
        return str(found[-1])
    if shutil.which(name):
        return shutil.which(name)
    raise FaultError(f"no PostgreSQL {name} on this machine")


class PrivateCluster:
    """A PostgreSQL cluster in var/faults/pg on its own port, socket in /tmp."""

    def __init__(self, port: int, directory: Path = VAR / "pg"):
        self.port = port
        self.directory = directory
        self.as_root = os.geteuid() == 0

    def url(self, name: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def _run(self, args: list[str], **kwargs) -> subprocess.CompletedProcess:
        if self.as_root:
            args = ["runuser", "-u", "postgres", "--", *args]
        return subprocess.run(args, check=True, capture_output=True, text=True, **kwargs)

    def init(self) -> None:
        if (self.directory / "PG_VERSION").exists():
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        if self.as_root:
            shutil.chown(self.directory, "postgres", "postgres")
        self._run([_pg_bin("initdb"), "-D", str(self.directory), "-U", "postgres", "--auth=trust", "-E", "UTF8"])

    def pg_ctl(self, *args: str) -> None:
        options = f"-p {self.port} -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
        self._run(
            [
                _pg_bin("pg_ctl"),
                "-D",
                str(self.directory),
                "-o",
                options,
                "-l",
                str(self.directory / "log"),
                "-w",
                *args,
            ]
        )

    def start(self) -> None:
        """Start the cluster, or use the one already running (another fault script's, or
        one an interrupted run left): then stop() leaves it to whoever started it."""
        self.init()
        self.started = False
        try:
            self.pg_ctl("status")
        except subprocess.CalledProcessError:
            self.pg_ctl("start")
            self.started = True
        wait_port(self.port)

    def restart(self) -> float:
        """``pg_ctl restart -m fast``; returns the seconds it took."""
        started = time.monotonic()
        self.pg_ctl("restart", "-m", "fast")
        wait_port(self.port)
        return round(time.monotonic() - started, 2)

    def stop(self) -> None:
        if getattr(self, "started", True):
            with contextlib.suppress(subprocess.CalledProcessError):
                self.pg_ctl("stop", "-m", "fast")

    def sql(self, statement: str, database: str = "postgres") -> str:
        psql = _pg_bin("psql")
        result = subprocess.run(
            [psql, "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", database, "-Atc", statement],
            check=True,
            capture_output=True,
            text=True,
        )
        return result.stdout.strip()

    def copy_database(self, template: str, name: str) -> None:
        self.sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.sql(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
