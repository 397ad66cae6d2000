"""Days-past-due buckets as the desk counts them: the case book's buckets (cases/buckets.py:
1–30, 31–60, 61–90, 91–180, 181 and more) numbered for the worklist's order and the
dashboard's snapshots, with the ends a case's path can have besides them."""

from __future__ import annotations

from django.db.models import Case, IntegerField, Value, When
from django.utils.translation import gettext_lazy as _

from cases import buckets as case_buckets


class Bucket:
    OPENED = -1  # a move's origin: the case is new since the last snapshot
    CURRENT = 0  # open, nothing overdue (an arrangement paid up to date, say)
    B1_30, B31_60, B61_90, B91_180, B181_PLUS = 1, 2, 3, 4, 5
    PAID = 8  # a move's destination: the case was resolved (paid or settled)
    WRITTEN_OFF = 9


# (lowest DPD, bucket), most overdue first.
DPD_BUCKETS = tuple((bucket.low, rank) for rank, bucket in reversed(list(enumerate(case_buckets.BUCKETS, start=1))))
DELINQUENT = [Bucket.B1_30, Bucket.B31_60, Bucket.B61_90, Bucket.B91_180, Bucket.B181_PLUS]
OPEN = [Bucket.CURRENT, *DELINQUENT]
CURED = [Bucket.CURRENT, Bucket.PAID]

LABELS = {
    Bucket.OPENED: _("newly opened"),
    Bucket.CURRENT: case_buckets.CURRENT.label,
    **{rank: bucket.label for rank, bucket in enumerate(case_buckets.BUCKETS, start=1)},
    Bucket.PAID: _("paid or settled"),
    Bucket.WRITTEN_OFF: _("written off"),
}


def bucket_of(days_past_due: int) -> int:
    for lowest, bucket in DPD_BUCKETS:
        if days_past_due >= lowest:
            return bucket
    return Bucket.CURRENT


def bucket_expression(dpd_field: str = "account__days_past_due"):
    """The bucket of a row as SQL, from its days-past-due column."""
    return Case(
        *(When(**{f"{dpd_field}__gte": lowest}, then=Value(bucket)) for lowest, bucket in DPD_BUCKETS),
        default=Value(Bucket.CURRENT),
        output_field=IntegerField(),
    )
