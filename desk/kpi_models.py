"""The compact daily snapshots the supervisor dashboard reads (desk/snapshots.py writes
them in the nightly cycle): hundreds of rows a day whatever the size of the book, so the
dashboard never aggregates millions of cases or contact attempts on a request.

Each row is an aggregate over one slice of the book — policy profile × product ×
currency × collector × days-past-due bucket — and a figure is the sum of the slices the
reader's filters select. Bucket codes are ``desk.buckets.Bucket``.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

MONEY = {"max_digits": 18, "decimal_places": 2, "default": Decimal("0")}


class Slice(models.Model):
    """The dimensions every snapshot row is cut by."""

    day = models.DateField(verbose_name=_("day"))
    profile = models.CharField(max_length=32, verbose_name=_("policy profile"))
    product = models.CharField(max_length=100, verbose_name=_("product"))
    currency = models.CharField(max_length=3, verbose_name=_("currency"))
    collector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("collector"),
    )

    class Meta:
        abstract = True


class SnapshotDay(models.Model):
    """One per night the snapshot step ran: the night's bucket moves are taken once (a
    second run the same day rewrites the stock and activity rows, never the moves)."""

    day = models.DateField(unique=True, verbose_name=_("day"))
    taken_at = models.DateTimeField(default=timezone.now, verbose_name=_("taken at"))
    baseline = models.BooleanField(
        default=False, help_text=_("The first snapshot: it records where every case stands, no moves.")
    )
    backfilled = models.BooleanField(
        default=False, help_text=_("Rebuilt afterwards from the accounts' due dates (demo and first install).")
    )

    class Meta:
        verbose_name = _("KPI snapshot")
        verbose_name_plural = _("KPI snapshots")
        ordering = ["-day"]
        permissions = [("view_kpi_dashboard", _("Can read the KPI dashboard"))]

    def __str__(self):
        return str(self.day)


class BookSnapshot(Slice):
    """The open cases of a slice on the morning of ``day``: how many, and what they owe."""

    bucket = models.PositiveSmallIntegerField(verbose_name=_("days-past-due bucket"))
    accounts = models.PositiveIntegerField(default=0, verbose_name=_("number of accounts"))
    balance = models.DecimalField(**MONEY, verbose_name=_("balance"))

    class Meta:
        verbose_name = _("book snapshot")
        verbose_name_plural = _("book snapshots")
        indexes = [models.Index(fields=["day", "bucket"], name="booksnapshot_day")]

    def __str__(self):
        return f"{self.day} {self.profile} {self.bucket}: {self.accounts}"


class BucketMove(Slice):
    """Cases of a slice whose bucket changed during the night before ``day``: from
    ``from_bucket`` (OPENED for a case new since the last snapshot) to ``to_bucket`` (PAID
    or WRITTEN_OFF for a case closed since)."""

    from_bucket = models.SmallIntegerField(verbose_name=_("from bucket"))
    to_bucket = models.SmallIntegerField(verbose_name=_("to bucket"))
    accounts = models.PositiveIntegerField(default=0, verbose_name=_("number of accounts"))
    balance = models.DecimalField(**MONEY, verbose_name=_("balance"))

    class Meta:
        verbose_name = _("bucket move")
        verbose_name_plural = _("bucket moves")
        indexes = [models.Index(fields=["day"], name="bucketmove_day")]

    def __str__(self):
        return f"{self.day} {self.from_bucket}→{self.to_bucket}: {self.accounts}"


class ActivitySnapshot(Slice):
    """What happened on ``day`` (a whole local day) in a slice, by the bucket its cases
    were in that morning. ``collector`` is who did it: the agent of a call, the maker of a
    promise; for promises due and money collected, the case's collector."""

    bucket = models.PositiveSmallIntegerField(verbose_name=_("days-past-due bucket"))
    calls = models.PositiveIntegerField(default=0, verbose_name=_("call attempts"))
    right_party_contacts = models.PositiveIntegerField(default=0, verbose_name=_("right-party contacts"))
    promises_made = models.PositiveIntegerField(default=0, verbose_name=_("promises made"))
    promises_due = models.PositiveIntegerField(default=0, verbose_name=_("promises due"))
    promises_kept = models.PositiveIntegerField(default=0, verbose_name=_("promises kept"))
    collected = models.DecimalField(**MONEY, verbose_name=_("collected"))
    contacts = models.PositiveIntegerField(default=0, verbose_name=_("contacts made"))
    refused = models.PositiveIntegerField(default=0, verbose_name=_("contacts refused"))
    overrides = models.PositiveIntegerField(default=0, verbose_name=_("refusals overridden"))
    complaints = models.PositiveIntegerField(default=0, verbose_name=_("complaints"))
    findings = models.PositiveIntegerField(default=0, verbose_name=_("findings"))

    class Meta:
        verbose_name = _("activity snapshot")
        verbose_name_plural = _("activity snapshots")
        indexes = [models.Index(fields=["day", "collector"], name="activitysnapshot_day")]

    def __str__(self):
        return f"{self.day} {self.collector_id} {self.bucket}"


class CaseBucket(models.Model):
    """Where each open case stood at the last snapshot: what tonight's buckets are
    compared with to find the night's moves. One narrow row per open case."""

    case = models.OneToOneField(
        "cases.CollectionCase",
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="kpi_bucket",
        db_constraint=False,
    )
    bucket = models.PositiveSmallIntegerField()

    class Meta:
        verbose_name = _("case bucket")
        verbose_name_plural = _("case buckets")

    def __str__(self):
        return f"{self.case_id}: {self.bucket}"
