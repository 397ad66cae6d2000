"""Clocks and query counters shared by the measurements."""

from __future__ import annotations

import heapq
import math
import resource
import time

from django.db import connection


class QueryCounter:
    """A ``connection.execute_wrapper`` that counts statements and their database time and
    keeps the slowest few (truncated), without storing every statement's SQL the way
    CaptureQueriesContext does (a nightly run sends megabytes of SQL)."""

    def __init__(self, keep: int = 3):
        self.count = 0
        self.seconds = 0.0
        self.keep = keep
        self._slowest: list[tuple[float, int, str]] = []

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            elapsed = time.perf_counter() - started
            self.count += 1
            self.seconds += elapsed
            entry = (elapsed, self.count, " ".join(str(sql).split())[:200])
            if len(self._slowest) < self.keep:
                heapq.heappush(self._slowest, entry)
            elif elapsed > self._slowest[0][0]:
                heapq.heapreplace(self._slowest, entry)

    def __enter__(self):
        self._wrapper = connection.execute_wrapper(self)
        self._wrapper.__enter__()
        return self

    def __exit__(self, *exc):
        return self._wrapper.__exit__(*exc)

    def slowest(self) -> list[dict]:
        return [{"ms": round(seconds * 1000, 1), "sql": sql} for seconds, _, sql in sorted(self._slowest, reverse=True)]


class Stopwatch:
    def __enter__(self):
        self.started = time.perf_counter()
        self.seconds = None
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.started
        return False


def percentile(samples: list[float], fraction: float) -> float:
    """Nearest-rank percentile (``fraction`` in 0..1) of ``samples``."""
    ordered = sorted(samples)
    return ordered[max(math.ceil(fraction * len(ordered)) - 1, 0)]


def latency_summary(seconds: list[float], *, points=(0.5, 0.95, 0.99)) -> dict:
    summary = {"samples": len(seconds)}
    for point in points:
        summary[f"p{round(point * 100)}_ms"] = round(percentile(seconds, point) * 1000, 2)
    summary["max_ms"] = round(max(seconds) * 1000, 2)
    summary["mean_ms"] = round(sum(seconds) / len(seconds) * 1000, 2)
    return summary


def peak_rss_mib() -> float:
    """The process's peak resident memory (Linux reports KiB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
