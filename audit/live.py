"""
Live rows against their sealed history: what reviewers read is what was sealed.

The ledger seals history rows, not the live tables the pages and the dossier read. So a
live row of an evidence table (settings.AUDIT_EVIDENCE_MODELS: contact attempts, holds,
promises, plans, payments, visits, opt-outs, cases) must equal its latest history row,
field by field; the application never changes one without writing the other. A live row
that disagrees was edited behind the application's back (an UPDATE that turns a refused
attempt into an allowed one, a moved time, a rewritten note) and is reported by table,
id and field. A live row with no history at all was inserted behind its back; one
whose latest history says "deleted" was put back; and a row whose history says it still
exists but which is gone from its table was deleted behind its back (the refused attempt
that would show harassment, say).

One pass per table in primary-key batches, two queries per batch: memory stays bounded
whatever the size of the book.
"""

from __future__ import annotations

from django.apps import apps
from django.conf import settings
from django.db.models import Exists, Max, OuterRef

from .ledger import canonical_value

LIVE_BATCH = 2000


def evidence_models() -> list:
    return [apps.get_model(label) for label in settings.AUDIT_EVIDENCE_MODELS]


def _compared_fields(model) -> list:
    """The live fields its history model copies (all of them, for the evidence tables)."""
    history_model = model.history.model
    return [model._meta.get_field(f.name) for f in history_model.tracked_fields]


def _shown(value) -> str:
    text = "empty" if value is None or value == "" else repr(value)
    return text if len(text) <= 60 else text[:57] + "…"


def check_live_rows(add_problem, using: str = "default") -> int:
    """Compare every evidence row with its latest history row; call ``add_problem(kind,
    table, pk, seq, detail, field)`` for each disagreement. Returns the rows checked."""
    checked = 0
    for model in evidence_models():
        history_model = model.history.model
        fields = _compared_fields(model)
        attnames = [f.attname for f in fields]
        pk_name = model._meta.pk.attname
        table = model._meta.db_table
        live = model._default_manager.using(using).order_by(pk_name)
        last_pk = None
        while True:
            batch_query = live if last_pk is None else live.filter(pk__gt=last_pk)
            rows = list(batch_query.values(*attnames)[:LIVE_BATCH])
            if not rows:
                break
            last_pk = rows[-1][pk_name]
            pks = [row[pk_name] for row in rows]
            latest_ids = (
                history_model.objects.using(using)
                .filter(**{f"{pk_name}__in": pks})
                .values(pk_name)
                .annotate(latest=Max("history_id"))
                .values_list("latest", flat=True)
            )
            sealed = {
                version[pk_name]: version
                for version in history_model.objects.using(using)
                .filter(history_id__in=list(latest_ids))
                .values("history_id", "history_type", *attnames)
            }
            for row in rows:
                checked += 1
                pk = row[pk_name]
                version = sealed.get(pk)
                if version is None:
                    add_problem(
                        "live", table, pk, None, "this row has no history: it was inserted outside the application", ""
                    )
                    continue
                if version["history_type"] == "-":
                    add_problem("live", table, pk, None, "its history says it was deleted, yet the row is here", "")
                    continue
                for model_field in fields:
                    now = canonical_value(model_field, row[model_field.attname])
                    then = canonical_value(model_field, version[model_field.attname])
                    if now != then:
                        add_problem(
                            "live",
                            table,
                            pk,
                            None,
                            f"{model_field.attname} is {_shown(now)} here but {_shown(then)} in its sealed "
                            f"history (version {version['history_id']}): changed outside the application",
                            model_field.attname,
                        )
        _check_removed_rows(add_problem, model, history_model, pk_name, table, using)
    return checked


def _check_removed_rows(add_problem, model, history_model, pk_name, table, using) -> None:
    """Rows whose latest history is not a deletion, yet are gone from the live table."""
    gone = (
        history_model.objects.using(using)
        .filter(~Exists(model._default_manager.using(using).filter(pk=OuterRef(pk_name))))
        .values(pk_name)
        .annotate(latest=Max("history_id"))
        .values_list("latest", flat=True)
    )
    removed = (
        history_model.objects.using(using)
        .filter(history_id__in=gone)
        .exclude(history_type="-")
        .order_by(pk_name)
        .values_list(pk_name, "history_id")[:LIVE_BATCH]
    )
    for pk, history_id in removed:
        add_problem(
            "live",
            table,
            pk,
            None,
            f"the row is gone, but its sealed history (version {history_id}) says it was never deleted",
            "",
        )
