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
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.when import local_date


class Severity(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


# Most severe first, for queues.
SEVERITY_ORDER = {Severity.HIGH: 0, Severity.MEDIUM: 1, Severity.LOW: 2}


class Rule(models.TextChoices):
    """Stable codes of what a finding is about (one function each in compliance/scan/)."""

    CONTACT_AFTER_REPAYMENT = "contact_after_repayment", _("Contact after repayment")
    REPEATED_BLOCKS = "repeated_blocks", _("Attempts blocked repeatedly on one case")
    OVERRIDE = "override", _("Contact refusal overridden")
    CONVERSATION_WAIT = "conversation_wait", _("Call within the wait after a conversation")
    CAPS_NEAR_LIMIT = "caps_near_limit", _("Contact caps within one of the limit for weeks")
    THIRD_PARTY_CONTACT = "third_party_contact", _("Third party contacted")
    VISIT_WITHOUT_REPORT = "visit_without_report", _("Field visit without a completed report")
    COMPLAINT = "complaint", _("Open complaint")
    AUDIT_CHAIN = "audit_chain", _("Audit chain broken")
    MANUAL = "manual", _("Raised by a reviewer")


class Finding(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CONFIRMED = "confirmed", _("Confirmed")
        DISMISSED = "dismissed", _("Dismissed")

    rule = models.CharField(max_length=32, choices=Rule.choices, db_index=True, verbose_name=_("rule"))
    severity = models.CharField(max_length=8, choices=Severity.choices, verbose_name=_("severity"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN, verbose_name=_("status"))
    case = models.ForeignKey(
        "cases.CollectionCase",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="findings",
        verbose_name=_("case"),
    )
    borrower = models.ForeignKey(
        "cases.Borrower",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="findings",
        verbose_name=_("borrower"),
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="compliance_findings",
        help_text=_("The staff member the finding is about."),
        verbose_name=_("agent"),
    )
    # What the scan found is kept as meaning — a code and its parameters — and worded when
    # read, in the reader's language (compliance/summaries.py). ``summary`` is the text a
    # reviewer typed, or the scan's wording in a fixed language (the fallback, and what
    # findings raised before codes were kept have).
    summary = models.TextField(verbose_name=_("summary"))
    summary_code = models.CharField(
        max_length=40,
        blank=True,
        db_default="",
        help_text=_("What the scan found, as a code; empty: the summary is shown as written."),
        verbose_name=_("summary code"),
    )
    summary_params = models.JSONField(
        default=dict,
        db_default=models.Value({}, output_field=models.JSONField()),
        blank=True,
        help_text=_("The facts behind the summary (ids, counts, limits, times)."),
        verbose_name=_("summary parameters"),
    )
    evidence = models.JSONField(
        default=list,
        blank=True,
        help_text=_(
            'Records behind the finding: [{"model": "contacts.ContactAttempt", "id": 1, "code": "attempt", "params": {…}, "label": "…"}].'
        ),
        verbose_name=_("evidence"),
    )
    # The same rule, subject and evidence always give the same fingerprint: a scan run
    # twice finds the existing row instead of raising a duplicate.
    fingerprint = models.CharField(max_length=64, unique=True, verbose_name=_("fingerprint"))
    detected_at = models.DateTimeField(default=timezone.now, db_index=True, verbose_name=_("detected at"))
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty: raised by the nightly scan."),
        verbose_name=_("raised by"),
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("reviewer"),
    )
    review_note = models.TextField(
        blank=True, help_text=_("Why it was confirmed or dismissed."), verbose_name=_("review note")
    )
    reviewed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("reviewed at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        ordering = ["-detected_at"]
        indexes = [models.Index(fields=["status", "severity"], name="finding_queue")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="dismissed") | ~Q(review_note=""), name="finding_dismissal_has_reason"
            ),
        ]
        permissions = [("run_compliance_scan", _("Can run the compliance scan on demand"))]

    def __str__(self):
        return f"{self.get_rule_display()} ({self.get_severity_display().lower()}) #{self.pk}"

    @property
    def summary_text(self) -> str:
        """The summary in the reader's language (the stored one when it has no code)."""
        from .summaries import finding_summary  # the wording reads these models' labels

        return finding_summary(self)

    @property
    def evidence_labels(self) -> list[tuple[dict, str]]:
        """Each evidence item with its label in the reader's language."""
        from .summaries import evidence_labels

        return list(zip(self.evidence, evidence_labels(self.evidence), strict=True))


class ReviewSample(models.Model):
    """A case drawn at random from an agent's week, queued for a reviewer's checklist."""

    class Verdict(models.TextChoices):
        PENDING = "pending", _("Awaiting review")
        PASS = "pass", _("Pass")
        CONCERN = "concern", _("Concern")
        FAIL = "fail", _("Fail")

    # The checklist, in the order the review form asks it.
    CHECKLIST = [
        ("contact_hours_respected", _("Contact hours respected")),
        ("caps_respected", _("Contact caps respected")),
        ("tone_professional", _("Tone and notes professional")),
        ("no_third_party_disclosure", _("No disclosure to third parties")),
        ("holds_honoured", _("Holds honoured")),
    ]

    case = models.ForeignKey(
        "cases.CollectionCase", on_delete=models.PROTECT, related_name="review_samples", verbose_name=_("case")
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="review_samples", verbose_name=_("agent")
    )
    week = models.DateField(
        help_text=_("Monday of the week the agent's work was sampled from."), verbose_name=_("week")
    )
    contact_hours_respected = models.BooleanField(null=True, blank=True, verbose_name=_("contact hours respected"))
    caps_respected = models.BooleanField(null=True, blank=True, verbose_name=_("caps respected"))
    tone_professional = models.BooleanField(null=True, blank=True, verbose_name=_("tone professional"))
    no_third_party_disclosure = models.BooleanField(null=True, blank=True, verbose_name=_("no third party disclosure"))
    holds_honoured = models.BooleanField(null=True, blank=True, verbose_name=_("holds honoured"))
    verdict = models.CharField(
        max_length=10, choices=Verdict.choices, default=Verdict.PENDING, db_index=True, verbose_name=_("verdict")
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("reviewer"),
    )
    note = models.TextField(blank=True, verbose_name=_("note"))
    reviewed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("reviewed at"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("review sample")
        verbose_name_plural = _("review samples")
        ordering = ["-week", "agent", "case"]
        constraints = [models.UniqueConstraint(fields=["case", "agent", "week"], name="review_sample_unique")]

    def __str__(self):
        return _("Sample of the week from %(week)s · %(agent)s · case %(case)s") % {
            "week": local_date(self.week),
            "agent": self.agent,
            "case": self.case_id,
        }


class Complaint(models.Model):
    class Channel(models.TextChoices):
        PHONE = "phone", _("Phone")
        EMAIL = "email", _("Email")
        LETTER = "letter", _("Letter")
        IN_PERSON = "in_person", _("In person")
        REGULATOR = "regulator", _("Through a regulator")
        SOCIAL = "social", _("Social media")
        OTHER = "other", _("Other")

    class Category(models.TextChoices):
        HARASSMENT = "harassment", _("Harassment")
        PRIVACY = "privacy", _("Privacy (disclosure to others)")
        IMPOSTOR = "impostor", _("Impostor claiming to be our agent")
        WRONG_PERSON = "wrong_person", _("Wrong person contacted")
        FEES = "fees", _("Fees")

    borrower = models.ForeignKey(
        "cases.Borrower", on_delete=models.PROTECT, related_name="complaints", verbose_name=_("borrower")
    )
    case = models.ForeignKey(
        "cases.CollectionCase",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints",
        verbose_name=_("case"),
    )
    channel = models.CharField(max_length=10, choices=Channel.choices, verbose_name=_("channel"))
    category = models.CharField(max_length=12, choices=Category.choices, verbose_name=_("category"))
    description = models.TextField(
        help_text=_("What the borrower says happened, in their words where possible."), verbose_name=_("description")
    )
    received_at = models.DateTimeField(default=timezone.now, verbose_name=_("received at"))
    attempts = models.ManyToManyField(
        "contacts.ContactAttempt",
        blank=True,
        related_name="complaints",
        help_text=_("The contacts complained about."),
        verbose_name=_("attempts"),
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints_about",
        help_text=_("The staff member complained about."),
        verbose_name=_("agent"),
    )
    hold = models.ForeignKey(
        "cases.Hold",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The complaint-investigation hold placed when it was recorded."),
        verbose_name=_("hold"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    recorded_at = models.DateTimeField(default=timezone.now, verbose_name=_("recorded at"))
    resolution = models.TextField(blank=True, verbose_name=_("resolution"))
    resolved_at = models.DateTimeField(null=True, blank=True, verbose_name=_("resolved at"))
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("resolved by"),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-received_at"]
        indexes = [models.Index(fields=["resolved_at", "received_at"], name="complaint_open")]
        constraints = [
            models.CheckConstraint(
                condition=Q(resolved_at__isnull=True) | ~Q(resolution=""), name="complaint_resolution_has_text"
            ),
        ]

    def __str__(self):
        return _("Complaint %(pk)s: %(category)s (%(borrower)s)") % {
            "pk": self.pk,
            "category": self.get_category_display(),
            "borrower": self.borrower,
        }

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None
