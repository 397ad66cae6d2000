"""
The record of cases moved by a set-based UPDATE (cases/jobs.py): a CaseEvent and a
history row per case, queued for the audit ledger, written as plain rows rather than
model instances.

Why not ``bulk_create`` and ``bulk_history_create``: the nightly cycle moves tens of
thousands of cases, and building, preparing and compiling a model instance per row cost
more Python time than the database spends writing them. The rows are the same ones
those would write:

- the history row is copied by the database from the case row as it stands after the
  UPDATE (``INSERT … SELECT … RETURNING``), with the same date, change reason, type and
  user bulk_history_create would give it;
- the event's columns are prepared by the model's own fields (so JSON and times are
  stored as the ORM stores them) and inserted with ``INSERT … SELECT … FROM (VALUES …)
  RETURNING``;
- both are queued for sealing by table and id, events first, in the order of the cases
  (the case list's ordering, newest opened first), as before.
"""

from __future__ import annotations

from django.db import connection, models

from audit.ledger import ledger_append_keys

from .models import CaseEvent, CollectionCase

# Rows per event INSERT: well below PostgreSQL's 65,535 parameters (SQLite's own limit
# makes them smaller, see _event_batch).
EVENT_BATCH = 1000


def record_moved(moved, *, event: dict, rules_for, profile_label_for, history_type: str, change_reason: str, now):
    """History rows, events and ledger queue entries for the cases of the queryset ``moved``
    (already in their new state). ``event`` holds the columns every event shares;
    ``rules_for`` and ``profile_label_for`` give each case's own. Returns how many."""
    copied = _copy_to_history(moved, history_type=history_type, change_reason=change_reason, now=now)
    case_ids = [case_id for _history_id, case_id in copied]
    ledger_append_keys(CaseEvent._meta.db_table, _insert_events(case_ids, event, rules_for, profile_label_for))
    ledger_append_keys(CollectionCase.history.model._meta.db_table, [history_id for history_id, _case_id in copied])
    return len(copied)


def _history_user_id():
    """The user bulk_history_create would stamp: the request's, when a job runs inside one
    (HistoryRequestMiddleware), else none. It does not depend on the case: a case just read
    carries no ``_history_user`` of its own."""
    user = CollectionCase.history.model.get_default_history_user(CollectionCase())
    return user.pk if user is not None else None


def _copy_to_history(moved, *, history_type: str, change_reason: str, now) -> list[tuple[int, int]]:
    """One ``INSERT … SELECT`` of the moved cases' rows into their history table, in the
    case list's order. Returns (history id, case id) in that order."""
    history = CollectionCase.history.model
    tracked = history.tracked_fields
    constants = {
        "history_date": models.Value(now, output_field=models.DateTimeField()),
        "history_change_reason": models.Value(change_reason, output_field=models.CharField()),
        "history_type": models.Value(history_type, output_field=models.CharField()),
        "history_user_id": models.Value(_history_user_id(), output_field=models.IntegerField()),
    }
    # Annotations named apart from the columns they fill, listed after the copied ones.
    select = (
        moved.order_by(*CollectionCase._meta.ordering, "pk")
        .annotate(**{f"_record_{name}": value for name, value in constants.items()})
        .values_list(*[field.attname for field in tracked], *[f"_record_{name}" for name in constants])
    )
    sql, params = select.query.sql_with_params()
    quote = connection.ops.quote_name
    columns = [history._meta.get_field(field.name).column for field in tracked]
    columns += [history._meta.get_field(name).column for name in constants]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(history._meta.db_table)} ({', '.join(map(quote, columns))}) {sql} "
            f"RETURNING {quote(history._meta.pk.column)}, {quote(CollectionCase._meta.pk.column)}",
            params,
        )
        # Ids are given in insertion order: sorting by them restores the SELECT's order
        # whatever order RETURNING hands the rows back in.
        return sorted(cursor.fetchall())


def _event_batch(shared: int, per_row: int) -> int:
    limit = connection.features.max_query_params
    return min(EVENT_BATCH, (limit - shared) // per_row) if limit else EVENT_BATCH


def _insert_events(case_ids, event: dict, rules_for, profile_label_for) -> list[int]:
    """One event per case, in ``case_ids`` order; returns their ids in that order.

    The columns every event shares are sent once per statement, and each case's own
    (case, rules, profile label) as a row of VALUES: a quarter of the parameters a row
    of every column would need, which is where the time went (the driver reads every
    placeholder of the statement)."""
    fields = [field for field in CaseEvent._meta.concrete_fields if not field.primary_key]
    blank = CaseEvent(**event)  # the model's defaults for what ``event`` does not say

    def prepared(field, value):
        return field.get_db_prep_save(value, connection)

    own = {"case_id": "moved.column2", "rules": "moved.column3", "profile_label": "moved.column4"}
    case_field, rules_field, label_field = (
        CaseEvent._meta.get_field(name) for name in ("case", "rules", "profile_label")
    )
    shared = [prepared(field, getattr(blank, field.attname)) for field in fields if field.attname not in own]
    quote = connection.ops.quote_name
    select = ", ".join(own.get(field.attname, "%s") for field in fields)
    head = (
        f"INSERT INTO {quote(CaseEvent._meta.db_table)} ({', '.join(quote(field.column) for field in fields)}) "
        f"SELECT {select} FROM (VALUES "
    )
    # column1 is the case's place in the list: the rows are inserted, so numbered, in that order.
    tail = f") AS moved ORDER BY moved.column1 RETURNING {quote(CaseEvent._meta.pk.column)}"
    event_ids = []
    batch = _event_batch(len(shared), 4)
    with connection.cursor() as cursor:
        for start in range(0, len(case_ids), batch):
            params = list(shared)
            chunk = case_ids[start : start + batch]
            for place, case_id in enumerate(chunk):
                params += [
                    place,
                    prepared(case_field, case_id),
                    prepared(rules_field, rules_for(case_id)),
                    prepared(label_field, profile_label_for(case_id)),
                ]
            cursor.execute(f"{head}{', '.join(['(%s, %s, %s, %s)'] * len(chunk))}{tail}", params)
            # Ids are given in insertion order: sorted, they follow ``chunk``.
            event_ids.extend(sorted(row[0] for row in cursor.fetchall()))
    return event_ids
