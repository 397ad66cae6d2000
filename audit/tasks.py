"""The ledger's sealer on the workers: seals whatever the writers left in the queue."""

from celery import shared_task

from .ledger import seal_pending


@shared_task(ignore_result=True)
def seal_audit_ledger() -> int:
    return seal_pending()
