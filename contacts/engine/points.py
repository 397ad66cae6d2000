"""
The borrowers' contact points as the engine reads them: plain rows, not model instances.

A ContactPoint built by the ORM for each of a batch's two thousand points (``from_db``,
``__init__``, a descriptor per foreign key) cost the API's batch of 1,000 loans more
than the rules that read the points. The rules, the candidate zones, the API's and the
reminder planning's choice of a point read only the columns below, by the model's
attribute names, so a slotted row holding those serves them all; a point to write about
is still named by its ``pk``.
"""

from __future__ import annotations

from collections import defaultdict

from django.db import connection

from cases.models import ContactPoint

from .sql import one_of, run_together

# The columns read (the model's attribute names); the others (three instants among them)
# cost time to parse and set and no reader needs them.
POINT_COLUMNS = (
    "id",
    "borrower_id",
    "kind",
    "value",
    "label",
    "owner",
    "time_zone",
    "is_primary",
    "is_verified",
    "is_workplace",
    "is_invalid",
    "opted_out",
)


class PointRow:
    """One contact point's ``POINT_COLUMNS``, read like a ContactPoint's attributes."""

    __slots__ = POINT_COLUMNS

    def __init__(self, row):
        for name, value in zip(POINT_COLUMNS, row, strict=True):
            setattr(self, name, value)

    @property
    def pk(self) -> int:
        return self.id

    def __eq__(self, other):
        # As model instances compare: the same point whatever the object.
        return isinstance(other, PointRow | ContactPoint) and other.pk == self.id

    def __hash__(self):
        return hash(self.id)

    def __repr__(self):
        return f"<PointRow {self.id}: {self.kind} {self.value}>"


def contact_points_sql(borrower_ids) -> tuple[str, list]:
    where, params = one_of("borrower_id", borrower_ids)
    columns = ", ".join(ContactPoint._meta.get_field(name.removesuffix("_id")).column for name in POINT_COLUMNS)
    # The model's order within a borrower (primary first, by kind).
    order = "borrower_id, is_primary DESC, kind, id"
    return f"SELECT {columns} FROM {ContactPoint._meta.db_table} WHERE {where} ORDER BY {order}", params


def points_from_rows(rows) -> dict[int, list[PointRow]]:
    """Rows of ``contact_points_sql`` (every column already its Python type, as
    PostgreSQL returns them and the ORM reads them) by borrower."""
    points_by_borrower = defaultdict(list)
    for row in rows:
        point = PointRow(row)
        points_by_borrower[point.borrower_id].append(point)
    return points_by_borrower


def contact_points_of(borrower_ids) -> dict[int, list[PointRow]]:
    """The borrowers' contact points, by borrower, in one query."""
    borrower_ids = list(borrower_ids)
    if connection.vendor == "postgresql":
        return points_from_rows(run_together([contact_points_sql(borrower_ids)])[0])
    # SQLite gives booleans as integers: the ORM converts them.
    rows = ContactPoint.objects.filter(borrower_id__in=borrower_ids).order_by(
        "borrower_id", "-is_primary", "kind", "id"
    )
    return points_from_rows(rows.values_list(*POINT_COLUMNS))
