"""
The audit layer: the hash-chained ledger over every history row, case event and
access-log row, and the log of who opened whose personal data. Every app writes here;
this app imports none of them (a model joins the chain by saying ``ledger_sealed = True``).

The tables keep the names they had in the compliance app: each ledger link names its
row's table, so renaming one would break the chain it proves.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .places import place_label


class AccessLog(models.Model):
    ledger_sealed = True  # each row is chained in the ledger as it is written

    """Who opened which borrower's personal data, where and when. Kept with the history:
    nobody deletes or edits a row, and each row is chained in the audit ledger."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("user")
    )
    # The borrower and case by id, not by foreign key: the audit layer depends on no app
    # above it, and the record of who looked must outlive whatever it points at.
    borrower_id = models.BigIntegerField(db_index=True, verbose_name=_("borrower"))
    case_id = models.BigIntegerField(null=True, blank=True, db_index=True, verbose_name=_("case"))
    where = models.CharField(
        max_length=100, help_text=_("The page or export: case page, dossier, dossier CSV…"), verbose_name=_("where")
    )
    at = models.DateTimeField(default=timezone.now, verbose_name=_("at"))
    ip = models.GenericIPAddressField(null=True, blank=True, verbose_name=_("ip"))

    class Meta:
        db_table = "compliance_accesslog"  # the name the audit ledger's links carry
        ordering = ["-at"]
        verbose_name = _("personal-data access")
        verbose_name_plural = _("personal-data access log")
        indexes = [
            models.Index(fields=["borrower_id", "at"], name="access_borrower_time"),
            models.Index(fields=["user", "at"], name="access_user_time"),
        ]

    def __str__(self):
        who = self.user.get_username() if self.user_id else _("system")
        return _("%(who)s saw borrower %(borrower)s's data (%(where)s)") % {
            "who": who,
            "borrower": self.borrower_id,
            "where": place_label(self.where),
        }


class AuditLedger(models.Model):
    """One link of the hash chain over every history row, case event and access-log row.

    ``content_hash`` is the SHA-256 of the row's canonical content (the fields named in
    ``fields``, so a column added later does not break older links); ``entry_hash`` covers
    the sequence number, the row's identity, its content hash and the previous entry's
    hash. Editing a row, or a link, or removing either, breaks the chain at that point.
    """

    seq = models.BigIntegerField(primary_key=True, verbose_name=_("seq"))
    table_name = models.CharField(max_length=100, verbose_name=_("table name"))
    row_pk = models.BigIntegerField(verbose_name=_("row pk"))
    fields = models.TextField(help_text=_("Column names hashed, space-separated."), verbose_name=_("fields"))
    content_hash = models.CharField(max_length=64, verbose_name=_("content hash"))
    previous_hash = models.CharField(max_length=64, verbose_name=_("previous hash"))
    entry_hash = models.CharField(max_length=64, verbose_name=_("entry hash"))
    # Which signing key made entry_hash (an HMAC); blank for the unkeyed entries sealed
    # before the ledger had a key (plain SHA-256 links).
    key_id = models.CharField(max_length=16, blank=True, default="", verbose_name=_("key id"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        db_table = "compliance_auditledger"
        ordering = ["-seq"]
        verbose_name = _("audit ledger entry")
        verbose_name_plural = _("audit ledger")
        constraints = [models.UniqueConstraint(fields=["table_name", "row_pk"], name="audit_ledger_row_once")]
        permissions = [("verify_audit_chain", _("Can verify the audit chain"))]

    def __str__(self):
        return f"#{self.seq} {self.table_name}:{self.row_pk}"


class AuditLedgerHead(models.Model):
    """The chain's last link, in one row. Appenders lock this row: a lock on the newest
    ledger entry would not do, because a second appender waiting on it would, once the
    first commits, still see that entry as the newest and fork the chain."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, verbose_name=_("id"))
    last_seq = models.BigIntegerField(default=0, verbose_name=_("last seq"))
    last_hash = models.CharField(max_length=64, default="0" * 64, verbose_name=_("last hash"))

    class Meta:
        db_table = "compliance_auditledgerhead"
        verbose_name = _("audit ledger head")
        verbose_name_plural = _("audit ledger heads")
        constraints = [models.CheckConstraint(condition=Q(id=1), name="audit_ledger_head_single_row")]

    def __str__(self):
        return f"head #{self.last_seq}"


class AuditQueue(models.Model):
    """A row written and committed but not yet sealed: its place in the line for the ledger.

    Writers only insert here (no lock anyone else waits for); the sealer reads the queue
    in order after commit, hashes the rows as they stand, appends the keyed entries and
    deletes what it sealed (audit/ledger.py explains why that is sound)."""

    id = models.BigAutoField(primary_key=True)
    table_name = models.CharField(max_length=100, verbose_name=_("table name"))
    row_pk = models.BigIntegerField(verbose_name=_("row pk"))
    queued_at = models.DateTimeField(default=timezone.now, verbose_name=_("queued at"))

    class Meta:
        db_table = "audit_queue"
        ordering = ["id"]
        verbose_name = _("row waiting to be sealed")
        verbose_name_plural = _("rows waiting to be sealed")

    def __str__(self):
        return f"{self.table_name}:{self.row_pk}"
