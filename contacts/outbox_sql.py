"""The outbox's bulk row writes in plain SQL, sent together (executemany; psycopg
pipelines them): Django's bulk_create and bulk_update compile every row field by field,
which at tens of thousands of planned messages, or a batch of sent ones, cost more than
the work itself. And the plain rows planning reads its cases as."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from django.db import connection
from django.db.models.constants import OnConflict

from .models import OutboundMessage


class PlanningCase(NamedTuple):
    """The columns planning reads of a case, its account and borrower (the borrower's are
    what slot_for and template_for read)."""

    pk: int
    state: str
    written_notice_sent_at: datetime | None
    opened_at: datetime
    days_past_due: int
    borrower_id: int
    language: str
    home_time_zone: str


PLANNING_COLUMNS = ("pk", "state", "written_notice_sent_at", "opened_at", "account__days_past_due")
PLANNING_COLUMNS += ("account__borrower_id", "account__borrower__language", "account__borrower__home_time_zone")


# The columns planning fills; every other column of a planned message takes its default.
PLANNED_COLUMNS = [
    "case",
    "channel",
    "purpose",
    "template",
    "contact_point",
    "slot",
    "scheduled_for",
    "idempotency_key",
]


def insert_planned(wanted) -> None:
    """Insert planned messages, (case id, channel, purpose, template id, contact point id,
    slot) each, skipping any already planned (the idempotency key is unique), sent
    together (executemany). Django's bulk_create compiled each of tens of thousands of
    rows field by field, which took longer than the planning itself."""
    if not wanted:
        return
    meta, quote = OutboundMessage._meta, connection.ops.quote_name
    planned = [meta.get_field(name) for name in PLANNED_COLUMNS]
    others = [f for f in meta.concrete_fields if f not in planned and f is not meta.pk]
    defaults = [field.get_db_prep_save(field.pre_save(OutboundMessage(), add=True), connection) for field in others]
    columns = ", ".join(quote(field.column) for field in planned + others)
    sql = (
        f"{connection.ops.insert_statement(on_conflict=OnConflict.IGNORE)} {quote(meta.db_table)} ({columns}) "
        f"VALUES ({', '.join(['%s'] * (len(planned) + len(others)))})"
        f"{connection.ops.on_conflict_suffix_sql(planned, OnConflict.IGNORE, None, None)}"
    )
    at = connection.ops.adapt_datetimefield_value
    rows = [
        (case_id, channel, purpose, template_id, point_id, at(slot), at(slot))
        + (OutboundMessage.key_for(case_id, template_id, slot), *defaults)
        for case_id, channel, purpose, template_id, point_id, slot in wanted
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


MESSAGE_FIELDS_SET_BY_DELIVERY = [
    "state",
    "scheduled_for",
    "claim_token",
    "subject",
    "body",
    "provider_message_id",
    "sent_at",
    "attempt",
    "last_error",
    "suppressed_reasons",
    "suppressed_params",
    "tries",
]


def save_messages(messages) -> None:
    """One UPDATE per message, sent together (executemany; psycopg pipelines them).
    Django's bulk_update builds a CASE per field and row, which at 200 messages took
    longer to compile than everything else in the batch."""
    if not messages:
        return
    fields = [OutboundMessage._meta.get_field(name) for name in MESSAGE_FIELDS_SET_BY_DELIVERY]
    quote = connection.ops.quote_name
    sql = (
        f"UPDATE {quote(OutboundMessage._meta.db_table)} SET "
        + ", ".join(f"{quote(field.column)} = %s" for field in fields)
        + f" WHERE {quote(OutboundMessage._meta.pk.column)} = %s"
    )
    rows = [
        [field.get_db_prep_save(getattr(message, field.attname), connection) for field in fields] + [message.pk]
        for message in messages
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)
