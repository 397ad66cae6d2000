"""The loan feed import a person started from the staff page, run on a worker."""

from celery import shared_task

from .imports.background import run_staged_import


@shared_task
def import_feed_file(run_id: int, path: str, kind: str) -> dict:
    return run_staged_import(run_id, path, kind)
