"""Days-past-due buckets: one definition for the worklist's order, the workload table and
the dashboard. The industry's cut: 1–30, 31–60, 61–90, 91–180, 181 and more."""

from __future__ import annotations

from django.db.models import Case, IntegerField, Value, When
from django.utils.translation import gettext_lazy as _


class Bucket:
    OPENED = -1  # a move's origin: the case is new since the last snapshot
    CURRENT = 0  # open, nothing overdue (an arrangement paid up to date, say)
    B1_30, B31_60, B61_90, B91_180, B181_PLUS = 1, 2, 3, 4, 5
    PAID = 8  # a move's destination: the case was resolved (paid or settled)
    WRITTEN_OFF = 9


# (lowest DPD, bucket), most overdue first.
DPD_BUCKETS = (
    (181, Bucket.B181_PLUS),
    (91, Bucket.B91_180),
    (61, Bucket.B61_90),
    (31, Bucket.B31_60),
    (1, Bucket.B1_30),
)
DELINQUENT = [Bucket.B1_30, Bucket.B31_60, Bucket.B61_90, Bucket.B91_180, Bucket.B181_PLUS]
OPEN = [Bucket.CURRENT, *DELINQUENT]
CURED = [Bucket.CURRENT, Bucket.PAID]

LABELS = {
    Bucket.OPENED: _("newly opened"),
    Bucket.CURRENT: _("current"),
    Bucket.B1_30: _("1–30 days"),
    Bucket.B31_60: _("31–60 days"),
    Bucket.B61_90: _("61–90 days"),
    Bucket.B91_180: _("91–180 days"),
    Bucket.B181_PLUS: _("181 days or more"),
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
