"""Seal every history row, case event and access-log row in the audit ledger as it is
written, inside the writing transaction (audit/ledger.py explains the chain)."""

from django.db import router
from django.db.models.signals import post_save
from django.dispatch import receiver
from simple_history.signals import post_create_historical_m2m_records, post_create_historical_record

from . import ledger


@receiver(post_create_historical_record, dispatch_uid="audit.seal_history_row")
def seal_history_row(sender, history_instance, using=None, **kwargs):
    ledger.ledger_append(history_instance, using=using or router.db_for_write(sender))


@receiver(post_create_historical_m2m_records, dispatch_uid="audit.seal_m2m_history_rows")
def seal_m2m_history_rows(sender, created_rows, **kwargs):
    ledger.ledger_append_many(created_rows)


def seal_appended_row(sender, instance, created, raw=False, using=None, **kwargs):
    # Case events and access-log rows are append-only: only their creation is sealed; a
    # later save of the same row is exactly the change the chain check reports.
    if created and not raw:
        ledger.ledger_append(instance, using=using)


def connect_appended_models() -> None:
    for model in ledger.appended_models():
        post_save.connect(seal_appended_row, sender=model, dispatch_uid=f"audit.seal_{model._meta.label_lower}")
