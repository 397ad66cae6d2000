"""
What compliance reviewers work with: findings the nightly scan (or a reviewer) raises,
sampled cases to review, borrower complaints, the log of who opened whose personal
data, and the audit ledger that makes history tamper-evident.

The rules live in ``compliance.services`` (decisions), ``compliance.scan`` (finding
rules) and ``compliance.audit`` (the hash chain); these models hold data and constraints.
"""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords


class Severity(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


# Most severe first, for queues.
SEVERITY_ORDER = {Severity.HIGH: 0, Severity.MEDIUM: 1, Severity.LOW: 2}


class Rule(models.TextChoices):
    """Stable codes of what a finding is about (one function each in compliance/scan.py)."""

    CONTACT_AFTER_REPAYMENT = "contact_after_repayment", "Contact after repayment"
    REPEATED_BLOCKS = "repeated_blocks", "Attempts blocked repeatedly on one case"
    OVERRIDE = "override", "Contact refusal overridden"
    CONVERSATION_WAIT = "conversation_wait", "Call within the wait after a conversation"
    CAPS_NEAR_LIMIT = "caps_near_limit", "Contact caps within one of the limit for weeks"
    THIRD_PARTY_CONTACT = "third_party_contact", "Third party contacted"
    VISIT_WITHOUT_REPORT = "visit_without_report", "Field visit without a completed report"
    COMPLAINT = "complaint", "Open complaint"
    AUDIT_CHAIN = "audit_chain", "Audit chain broken"
    MANUAL = "manual", "Raised by a reviewer"


class Finding(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CONFIRMED = "confirmed", "Confirmed"
        DISMISSED = "dismissed", "Dismissed"

    rule = models.CharField(max_length=32, choices=Rule.choices, db_index=True)
    severity = models.CharField(max_length=8, choices=Severity.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    case = models.ForeignKey("cases.CollectionCase", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="findings")
    borrower = models.ForeignKey("cases.Borrower", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="findings")
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="compliance_findings", help_text="The staff member the finding is about.")
    summary = models.TextField()
    evidence = models.JSONField(default=list, blank=True,
                                help_text='Records behind the finding: [{"model": "contacts.ContactAttempt", "id": 1, '
                                          '"label": "…"}].')
    # The same rule, subject and evidence always give the same fingerprint: a scan run
    # twice finds the existing row instead of raising a duplicate.
    fingerprint = models.CharField(max_length=64, unique=True)
    detected_at = models.DateTimeField(default=timezone.now, db_index=True)
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+", help_text="Empty: raised by the nightly scan.")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    review_note = models.TextField(blank=True, help_text="Why it was confirmed or dismissed.")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-detected_at"]
        indexes = [models.Index(fields=["status", "severity"], name="finding_queue")]
        constraints = [
            models.CheckConstraint(condition=~Q(status="dismissed") | ~Q(review_note=""),
                                   name="finding_dismissal_has_reason"),
        ]
        permissions = [("run_compliance_scan", "Can run the compliance scan on demand")]

    def __str__(self):
        return f"{self.get_rule_display()} ({self.get_severity_display().lower()}) #{self.pk}"


class ReviewSample(models.Model):
    """A case drawn at random from an agent's week, queued for a reviewer's checklist."""

    class Verdict(models.TextChoices):
        PENDING = "pending", "Awaiting review"
        PASS = "pass", "Pass"
        CONCERN = "concern", "Concern"
        FAIL = "fail", "Fail"

    # The checklist, in the order the review form asks it.
    CHECKLIST = [
        ("contact_hours_respected", "Contact hours respected"),
        ("caps_respected", "Contact caps respected"),
        ("tone_professional", "Tone and notes professional"),
        ("no_third_party_disclosure", "No disclosure to third parties"),
        ("holds_honoured", "Holds honoured"),
    ]

    case = models.ForeignKey("cases.CollectionCase", on_delete=models.PROTECT, related_name="review_samples")
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="review_samples")
    week = models.DateField(help_text="Monday of the week the agent's work was sampled from.")
    contact_hours_respected = models.BooleanField(null=True, blank=True)
    caps_respected = models.BooleanField(null=True, blank=True)
    tone_professional = models.BooleanField(null=True, blank=True)
    no_third_party_disclosure = models.BooleanField(null=True, blank=True)
    holds_honoured = models.BooleanField(null=True, blank=True)
    verdict = models.CharField(max_length=10, choices=Verdict.choices, default=Verdict.PENDING, db_index=True)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    note = models.TextField(blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-week", "agent", "case"]
        constraints = [models.UniqueConstraint(fields=["case", "agent", "week"], name="review_sample_unique")]

    def __str__(self):
        return f"Sample {self.week:%Y-%m-%d} · {self.agent} · case {self.case_id}"


class Complaint(models.Model):
    class Channel(models.TextChoices):
        PHONE = "phone", "Phone"
        EMAIL = "email", "Email"
        LETTER = "letter", "Letter"
        IN_PERSON = "in_person", "In person"
        REGULATOR = "regulator", "Through a regulator"
        SOCIAL = "social", "Social media"
        OTHER = "other", "Other"

    class Category(models.TextChoices):
        HARASSMENT = "harassment", "Harassment"
        PRIVACY = "privacy", "Privacy (disclosure to others)"
        IMPOSTOR = "impostor", "Impostor claiming to be our agent"
        WRONG_PERSON = "wrong_person", "Wrong person contacted"
        FEES = "fees", "Fees"

    borrower = models.ForeignKey("cases.Borrower", on_delete=models.PROTECT, related_name="complaints")
    case = models.ForeignKey("cases.CollectionCase", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="complaints")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    category = models.CharField(max_length=12, choices=Category.choices)
    description = models.TextField(help_text="What the borrower says happened, in their words where possible.")
    received_at = models.DateTimeField(default=timezone.now)
    attempts = models.ManyToManyField("contacts.ContactAttempt", blank=True, related_name="complaints",
                                      help_text="The contacts complained about.")
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="complaints_about", help_text="The staff member complained about.")
    hold = models.ForeignKey("cases.Hold", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                             help_text="The complaint-investigation hold placed when it was recorded.")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)
    resolution = models.TextField(blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")

    history = HistoricalRecords()

    class Meta:
        ordering = ["-received_at"]
        indexes = [models.Index(fields=["resolved_at", "received_at"], name="complaint_open")]
        constraints = [
            models.CheckConstraint(condition=Q(resolved_at__isnull=True) | ~Q(resolution=""),
                                   name="complaint_resolution_has_text"),
        ]

    def __str__(self):
        return f"Complaint #{self.pk}: {self.get_category_display()} ({self.borrower})"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


class AccessLog(models.Model):
    """Who opened which borrower's personal data, where and when. Kept with the history:
    nobody deletes or edits a row, and each row is chained in the audit ledger."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    borrower = models.ForeignKey("cases.Borrower", on_delete=models.PROTECT, related_name="access_log")
    case = models.ForeignKey("cases.CollectionCase", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")
    where = models.CharField(max_length=100, help_text="The page or export: case page, dossier, dossier CSV…")
    at = models.DateTimeField(default=timezone.now)
    ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-at"]
        verbose_name = "personal-data access"
        verbose_name_plural = "personal-data access log"
        indexes = [
            models.Index(fields=["borrower", "at"], name="access_borrower_time"),
            models.Index(fields=["user", "at"], name="access_user_time"),
        ]

    def __str__(self):
        who = self.user.get_username() if self.user_id else "system"
        return f"{who} opened {self.borrower} ({self.where})"


class AuditLedger(models.Model):
    """One link of the hash chain over every history row, case event and access-log row.

    ``content_hash`` is the SHA-256 of the row's canonical content (the fields named in
    ``fields``, so a column added later does not break older links); ``entry_hash`` covers
    the sequence number, the row's identity, its content hash and the previous entry's
    hash. Editing a row, or a link, or removing either, breaks the chain at that point.
    """

    seq = models.BigIntegerField(primary_key=True)
    table_name = models.CharField(max_length=100)
    row_pk = models.BigIntegerField()
    fields = models.TextField(help_text="Column names hashed, space-separated.")
    content_hash = models.CharField(max_length=64)
    previous_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-seq"]
        verbose_name = "audit ledger entry"
        verbose_name_plural = "audit ledger"
        constraints = [models.UniqueConstraint(fields=["table_name", "row_pk"], name="audit_ledger_row_once")]
        permissions = [("verify_audit_chain", "Can verify the audit chain")]

    def __str__(self):
        return f"#{self.seq} {self.table_name}:{self.row_pk}"


class AuditLedgerHead(models.Model):
    """The chain's last link, in one row. Appenders lock this row: a lock on the newest
    ledger entry would not do, because a second appender waiting on it would, once the
    first commits, still see that entry as the newest and fork the chain."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(id=1), name="audit_ledger_head_single_row")]

    def __str__(self):
        return f"head #{self.last_seq}"
