"""
Days-past-due buckets as the management reports read them: 1–30, 31–60, 61–90, 91–180
and 181 days or more (the industry's M1…M6+ months), plus "current" for an account not
past due. Declared here, on the case book's floor, so the case list's export and every
report built above it (the KPI tables) name the same buckets.

Each bucket has a stable code (stored in snapshots, passed in URLs) and a label in the
reader's language. The collector's queue sorts by its own finer ranks (desk/sections.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Case, CharField, Value, When
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Bucket:
    code: str
    low: int  # first day past due in the bucket
    high: int | None  # last day, None for the open-ended last bucket
    label: Promise

    def holds(self, days_past_due: int) -> bool:
        return days_past_due >= self.low and (self.high is None or days_past_due <= self.high)


CURRENT = Bucket("current", 0, 0, _("not past due"))
BUCKETS = [
    Bucket("1-30", 1, 30, _("1–30 days")),
    Bucket("31-60", 31, 60, _("31–60 days")),
    Bucket("61-90", 61, 90, _("61–90 days")),
    Bucket("91-180", 91, 180, _("91–180 days")),
    Bucket("181+", 181, None, _("181 days or more")),
]
BY_CODE = {bucket.code: bucket for bucket in [CURRENT, *BUCKETS]}


def bucket_for(days_past_due: int) -> Bucket:
    for bucket in BUCKETS:
        if bucket.holds(days_past_due):
            return bucket
    return CURRENT


def bucket_label(code: str) -> str:
    bucket = BY_CODE.get(code)
    return str(bucket.label) if bucket else code


def bucket_code(days_past_due: str = "account__days_past_due"):
    """The bucket's code computed in SQL from a days-past-due field (default: a case's
    account's), to annotate, group or filter a queryset by."""
    return Case(
        *(When(**{f"{days_past_due}__gte": bucket.low}, then=Value(bucket.code)) for bucket in reversed(BUCKETS)),
        default=Value(CURRENT.code),
        output_field=CharField(),
    )
