"""
Progress of a long job, for the page that follows it: the worker reports how far it got,
the page reads it. Kept in the "progress" cache (Redis in production, a file cache under
var/ on the embedded default) rather than in the job's row, because a job that writes in
one transaction cannot show its row's changes to anyone until it commits.

Progress is a courtesy: a cache that cannot be reached loses it, never the job.
"""

from __future__ import annotations

import logging

from django.core.cache import caches

logger = logging.getLogger(__name__)

KEEP_SECONDS = 24 * 3600


def report_progress(key: str, phase: str, done: int, total: int) -> None:
    try:
        caches["progress"].set(f"progress:{key}", {"phase": phase, "done": done, "total": total}, KEEP_SECONDS)
    except Exception:  # the cache backend's own errors differ (Redis, files)
        logger.warning("progress of %s not recorded", key, exc_info=True)


def read_progress(key: str) -> dict | None:
    try:
        return caches["progress"].get(f"progress:{key}")
    except Exception:
        logger.warning("progress of %s not readable", key, exc_info=True)
        return None
