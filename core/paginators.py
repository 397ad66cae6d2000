"""Admin pagination that stays fast on tables of millions of rows."""

from django.core.paginator import Paginator
from django.db import connections, transaction
from django.db.models import QuerySet
from django.utils.functional import cached_property

# Below this many rows an exact COUNT(*) is cheap, and exactness is worth it.
ESTIMATE_ABOVE_ROWS = 100_000


class EstimatedCountPaginator(Paginator):
    """Counts an unfiltered PostgreSQL table by the planner's estimate (pg_class.reltuples,
    kept current by autovacuum) instead of COUNT(*), which reads the whole table on every
    page view (tens of milliseconds per million rows, seconds for the attempts table).
    A filtered or searched list, or a small table, is counted exactly."""

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if isinstance(queryset, QuerySet) and not queryset.query.where:
            connection = connections[queryset.db]
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
                        [queryset.model._meta.db_table],
                    )
                    row = cursor.fetchone()
                if row and row[0] >= ESTIMATE_ABOVE_ROWS:
                    return int(row[0])
        return super().count


class DeferredJoinPaginator(EstimatedCountPaginator):
    """Reads a page in two steps: the page's primary keys first, by a query that selects
    nothing else (so PostgreSQL can find and order them on covering indexes alone, without
    visiting a table row), then the page's rows, with their joins, by those keys. For lists
    ordered by a column of another table (the case list by its account's days past due),
    where one query would fetch every filtered row's columns only to keep a page of them.

    ``planner_settings`` (PostgreSQL settings, e.g. ``{"enable_hashjoin": "off"}``) apply to
    the keys query alone, inside its own transaction (SET LOCAL): for a list whose best
    plan the planner's estimates miss, measured, and said where the list is built."""

    def __init__(self, *args, planner_settings: dict[str, str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.planner_settings = planner_settings or {}

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        queryset = self.object_list
        if not isinstance(queryset, QuerySet):
            return self._get_page(queryset[bottom:top], number, self)
        keys = self._keys(queryset.values_list("pk", flat=True)[bottom:top])
        # The same ordering on the page's own rows gives them back in the keys' order.
        return self._get_page(list(queryset.filter(pk__in=keys)), number, self)

    def _keys(self, query) -> list:
        connection = connections[query.db]
        if not self.planner_settings or connection.vendor != "postgresql":
            return list(query)
        names, values = list(self.planner_settings), list(self.planner_settings.values())
        inside_a_transaction = connection.in_atomic_block
        with transaction.atomic(using=query.db), connection.cursor() as cursor:
            # SET LOCAL lasts to the end of the transaction: inside a request's own
            # transaction (a savepoint here) the old values are put back after the query.
            cursor.execute(
                "SELECT current_setting(name), set_config(name, value, true) FROM unnest(%s::text[], %s::text[]) "
                "AS settings(name, value)",
                [names, values],
            )
            before = [row[0] for row in cursor.fetchall()]
            try:
                return list(query)
            finally:
                if inside_a_transaction:
                    cursor.execute(
                        "SELECT set_config(name, value, true) FROM unnest(%s::text[], %s::text[]) AS settings(name, value)",
                        [names, before],
                    )
