"""
Policy profiles: every number the escalation ladder and the compliance engine use.

A profile is versioned, never edited in place: saving a change writes a new version
(see ``contacts.services.save_profile_version``), so every case event and contact
attempt can name the exact version that judged it and a later change never
re-judges the past.
"""
from datetime import date, time
from decimal import Decimal
import string

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords


class ProfileCode(models.TextChoices):
    CN = "CN", "China (default)"
    US_REGF = "US-REGF", "US Regulation F"
    US_MA = "US-MA", "US Massachusetts"
    UK_FCA = "UK-FCA", "UK FCA"


def _days(default, help_text):
    return models.PositiveIntegerField(default=default, help_text=help_text)


def _limit(help_text):
    """A cap the profile may not have at all (empty = this jurisdiction sets none)."""
    return models.PositiveIntegerField(null=True, blank=True, help_text=help_text)


class Reason(models.TextChoices):
    """Stable reason codes of the compliance engine (DESIGN.md)."""

    OUTSIDE_HOURS = "outside_hours", "Outside the borrower's contact hours"
    DAILY_CAP = "daily_cap", "Daily limit reached"
    WEEKLY_CAP = "weekly_cap", "Weekly limit reached"
    POST_CONVERSATION_WAIT = "post_conversation_wait", "Waiting period after a conversation"
    CEASE_REQUESTED = "cease_requested", "Borrower asked us to stop contacting them"
    CHANNEL_OPT_OUT = "channel_opt_out", "Borrower opted out of this channel"
    CASE_ON_HOLD = "case_on_hold", "Case is on hold"
    CASE_CLOSED = "case_closed", "Case is closed or the debt is paid"
    STAGE_NOT_REACHED = "stage_not_reached", "The case has not reached the rung for this channel"
    NO_APPROVED_VISIT = "no_approved_visit", "No approved field visit"
    INVALID_CONTACT_POINT = "invalid_contact_point", "Contact point is known to be invalid"
    THIRD_PARTY_LIMIT = "third_party_limit", "Third-party contact not allowed now"
    HOLIDAY = "holiday", "Public holiday"
    TEMPLATE_NOT_APPROVED = "template_not_approved", "Message template not approved"


# Refusals no supervisor can override: they protect the borrower's own requests,
# closed debts, and the escalation ladder.
NEVER_OVERRIDABLE = {
    Reason.CEASE_REQUESTED, Reason.CHANNEL_OPT_OUT, Reason.CASE_ON_HOLD, Reason.CASE_CLOSED,
    Reason.STAGE_NOT_REACHED, Reason.NO_APPROVED_VISIT, Reason.INVALID_CONTACT_POINT,
    Reason.TEMPLATE_NOT_APPROVED,
}


def validate_time_zone_list(value: str) -> None:
    from cases.models import validate_time_zone

    for zone in value.split():
        validate_time_zone(zone)


def validate_holidays(value: str) -> None:
    for line in value.split():
        try:
            date.fromisoformat(line)
        except ValueError:
            raise ValidationError(f"{line!r} is not a date (YYYY-MM-DD), one per line.")


def validate_overridable(value: str) -> None:
    for code in value.split():
        if code not in Reason.values:
            raise ValidationError(f"{code!r} is not a reason code.")
        if code in NEVER_OVERRIDABLE:
            raise ValidationError(f"{code!r} can never be overridden.")


class PolicyProfile(models.Model):
    code = models.CharField(max_length=16, choices=ProfileCode.choices)
    version = models.PositiveIntegerField(default=1)
    name = models.CharField(max_length=100)
    sources = models.TextField(blank=True, help_text="Regulations and policies behind the numbers.")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    change_note = models.CharField(max_length=255, blank=True)

    # Escalation ladder guards (DESIGN.md "The case state machine").
    reminder_min_dpd = _days(1, "Days past due before SMS/email reminders start.")
    phone_min_dpd = _days(8, "Days past due before collectors phone.")
    written_notice_min_dpd = _days(30, "Days past due before a formal letter.")
    field_visit_min_dpd = _days(90, "Days past due before a field visit may be requested.")
    field_visit_min_outstanding = models.DecimalField(
        max_digits=14, decimal_places=2, default=Decimal("10000.00"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text="Smallest outstanding balance (account currency) worth a field visit.",
    )
    field_visit_min_failed_attempts = _days(6, "Failed remote attempts needed before a visit.")
    field_visit_min_failed_channels = _days(2, "Distinct channels those failed attempts must span.")
    field_visit_attempt_window_days = _days(30, "Window in which the failed attempts are counted.")
    written_notice_lead_days = _days(7, "Days the written notice must precede a field visit.")
    legal_min_dpd = _days(180, "Days past due before legal referral.")
    # Arrangements
    promise_max_days = _days(30, "Furthest a promise to pay may be dated.")
    plan_max_installments = _days(6, "Longest repayment plan a collector may agree without a supervisor.")
    # Holds
    breathing_space_days = _days(60, "UK Debt Respite Scheme: standard breathing space length.")
    # Vulnerable borrowers get specialist handling: the nightly cycle never escalates them.
    auto_escalate_vulnerable = models.BooleanField(default=False)
    retention_years = _days(5, "Years records are kept after the last activity.")

    # --- Contact rules (POLICY.md "Profiles shipped") --------------------------------
    contact_window_start = models.TimeField(default=time(8, 0), help_text="Borrower-local time contact may start.")
    contact_window_end = models.TimeField(default=time(22, 0), help_text="Borrower-local time contact must stop.")
    fallback_time_zones = models.CharField(
        max_length=200, default="Asia/Shanghai", validators=[validate_time_zone_list],
        help_text="Zones assumed when nothing about the borrower says where they are (space-separated; "
        "contact must be allowed in all of them).",
    )
    holidays = models.TextField(blank=True, validators=[validate_holidays],
                                help_text="Borrower-local dates with no contact, one YYYY-MM-DD per line.")
    connected_calls_per_day = _limit("Connected calls per borrower per day (CN: 3).")
    unanswered_calls_per_number_per_day = _limit("Unanswered calls per number per day (CN: 6).")
    sms_per_day = _limit("Text messages per borrower per day.")
    calls_per_debt_7d = _limit("Calls per debt in any rolling 7 days (Reg F: 7 placed calls).")
    calls_count_busy = models.BooleanField(
        default=True, help_text="Count calls that never connected because of a busy line or network failure "
        "(Reg F counts only calls placed, so it does not).",
    )
    sms_counts_as_call = models.BooleanField(default=False, help_text="Texts count toward the call limit (US-MA).")
    calls_to_workplace_30d = _limit("Calls to numbers other than personal ones per 30 days (US-MA: 2).")
    attempts_per_borrower_7d = _limit("Attempts on all channels per borrower in 7 days (CN policy: 10).")
    conversation_wait_days = _limit("Days without calls after a telephone conversation, the conversation day "
                                    "being day 1 (Reg F: 7).")
    third_party_contact_allowed = models.BooleanField(default=True)
    third_party_max_per_person = _limit("Contacts per third party (Reg F: once, for location only).")
    third_party_requires_unreachable = models.BooleanField(
        default=False, help_text="Third parties only when the borrower is unreachable (CN).")
    unreachable_failed_calls = _days(3, "Consecutive failed calls after which the borrower counts as unreachable.")
    # --- Field visits (POLICY.md "field visit") ----------------------------------------
    visit_min_staff = _days(1, "Staff who must attend a field visit together (CN: 2).")
    visits_per_30_days = _days(1, "Field visits per case in any 30 days.")
    visit_notice_lead_hours = _days(48, "Hours the pre-visit notice must precede the visit window.")
    visit_notice_channels = models.CharField(max_length=40, default="sms letter",
                                             help_text="Channels the pre-visit notice goes by (space-separated).")
    no_visit_if_vulnerable = models.BooleanField(default=False, help_text="UK-FCA: no visit to a vulnerable borrower.")

    # --- Reminder cadence (plan_reminders) -------------------------------------------
    reminder_sms_dpd = models.CharField(
        max_length=100, default="1 3 7", blank=True,
        help_text="Days past due on which an SMS reminder is planned (space-separated).")
    reminder_email_every_days = _limit("An email reminder every N days past due (empty: none).")
    letter_on_written_notice = models.BooleanField(
        default=True, help_text="Plan the formal letter when a case reaches the written-notice rung.")
    overridable_reasons = models.CharField(
        max_length=200, blank=True, validators=[validate_overridable],
        help_text="Reason codes a supervisor may override with a written reason (space-separated).",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="policy_profile_code_version_unique"),
        ]

    def __str__(self):
        return f"{self.code} v{self.version}"

    @property
    def label(self) -> str:
        return f"{self.code} v{self.version}"

    @property
    def holiday_dates(self) -> frozenset[date]:
        return frozenset(date.fromisoformat(line) for line in self.holidays.split())

    @property
    def reminder_sms_days(self) -> list[int]:
        return [int(day) for day in self.reminder_sms_dpd.split()]

    @property
    def overridable(self) -> frozenset[str]:
        return frozenset(self.overridable_reasons.split()) - NEVER_OVERRIDABLE


class Channel(models.TextChoices):
    PHONE_CALL = "phone_call", "Phone call"
    SMS = "sms", "SMS"
    EMAIL = "email", "Email"
    LETTER = "letter", "Letter"
    SOCIAL = "social", "Social media private message"
    FIELD_VISIT = "field_visit", "Field visit"


ELECTRONIC_CHANNELS = {Channel.SMS, Channel.EMAIL, Channel.SOCIAL}
# Which kind of contact point each channel reaches.
CHANNEL_POINT_KIND = {
    Channel.PHONE_CALL: "phone", Channel.SMS: "phone", Channel.EMAIL: "email",
    Channel.LETTER: "postal", Channel.SOCIAL: "social", Channel.FIELD_VISIT: "postal",
}


class Outcome(models.TextChoices):
    NO_ANSWER = "no_answer", "No answer"
    BUSY = "busy", "Busy / network failure"
    VOICEMAIL = "voicemail", "Voicemail left (limited content)"
    WRONG_NUMBER = "wrong_number", "Wrong number"
    THIRD_PARTY = "third_party", "Reached a third party"
    RIGHT_PARTY = "right_party", "Reached the borrower"
    PROMISE_TO_PAY = "promise_to_pay", "Promise to pay"
    REFUSED_TO_PAY = "refused_to_pay", "Refused to pay"
    DISPUTES_DEBT = "disputes_debt", "Disputes the debt"
    REQUESTS_CEASE = "requests_cease", "Requests no further contact"
    HARDSHIP = "hardship", "Hardship claimed"
    CALLBACK = "callback", "Callback requested"
    SENT = "sent", "Sent (message, letter)"


# Outcomes in which someone answered: connected calls (CN) and "reached the borrower".
BORROWER_REACHED = {
    Outcome.RIGHT_PARTY, Outcome.PROMISE_TO_PAY, Outcome.REFUSED_TO_PAY, Outcome.DISPUTES_DEBT,
    Outcome.REQUESTS_CEASE, Outcome.HARDSHIP, Outcome.CALLBACK,
}
CONNECTED = BORROWER_REACHED | {Outcome.THIRD_PARTY, Outcome.WRONG_NUMBER}
UNANSWERED = {Outcome.NO_ANSWER, Outcome.BUSY, Outcome.VOICEMAIL}
FAILED_REMOTE = UNANSWERED | {Outcome.WRONG_NUMBER}


class MessageTemplate(models.Model):
    """A reminder or letter text. Usable only once a compliance reviewer approved this
    exact version; editing writes a new, unapproved version."""

    VARIABLES = {
        "borrower_name", "amount_due", "currency", "days_past_due", "due_date", "loan_number",
        "lender_name", "hotline", "payment_instructions",
        # field-visit notices
        "visit_window", "visit_purpose", "agent_badges", "verification_code", "verify_url",
    }
    # POLICY.md "Prohibited content": words that have no place in a collection message.
    PROHIBITED = [
        "arrest", "police", "jail", "prison", "criminal", "blacklist", "court order", "sue you",
        "逮捕", "公安", "坐牢", "拘留", "黑名单", "犯罪", "法院传票",
    ]

    code = models.SlugField(max_length=60, help_text="Stable name of the message, e.g. sms-reminder-dpd1.")
    version = models.PositiveIntegerField(default=1)
    channel = models.CharField(max_length=12, choices=Channel.choices)
    language = models.CharField(max_length=8, choices=[("zh-hans", "简体中文"), ("en", "English")])
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField(help_text="Variables in braces: " + ", ".join("{%s}" % v for v in sorted(VARIABLES)))
    is_required_notice = models.BooleanField(
        default=False, help_text="A notice the law requires even after a cease request (e.g. collection ends).")
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")

    history = HistoricalRecords()

    class Meta:
        ordering = ["code", "-version"]
        constraints = [models.UniqueConstraint(fields=["code", "version"], name="template_code_version_unique")]
        permissions = [("approve_messagetemplate", "Can approve message template versions")]

    def __str__(self):
        return f"{self.code} v{self.version}{'' if self.is_approved else ' (not approved)'}"

    @property
    def is_approved(self) -> bool:
        return self.approved_at is not None

    def variables_used(self) -> set[str]:
        used = set()
        for text in (self.subject, self.body):
            for _, field_name, format_spec, conversion in string.Formatter().parse(text):
                if field_name is not None:
                    used.add(field_name)
        return used

    def clean(self):
        super().clean()
        try:
            unknown = self.variables_used() - self.VARIABLES
        except ValueError as error:
            raise ValidationError({"body": f"Unbalanced braces: {error}."})
        if unknown:
            raise ValidationError({"body": "Unknown variables: " + ", ".join("{%s}" % v for v in sorted(unknown))
                                   + ". Allowed: " + ", ".join(sorted(self.VARIABLES)) + "."})
        text = f"{self.subject} {self.body}".lower()
        banned = [word for word in self.PROHIBITED if word in text]
        if banned:
            raise ValidationError({"body": "Prohibited content (threats, false consequences): " + ", ".join(banned) + "."})


class ChannelOptOut(models.Model):
    """The borrower asked not to be contacted on a channel (everywhere, or at one point)."""

    borrower = models.ForeignKey("cases.Borrower", on_delete=models.PROTECT, related_name="channel_opt_outs")
    channel = models.CharField(max_length=12, choices=Channel.choices)
    contact_point = models.ForeignKey("cases.ContactPoint", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="+", help_text="Empty: every contact point on this channel.")
    requested_at = models.DateTimeField(default=timezone.now)
    note = models.CharField(max_length=255, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")

    history = HistoricalRecords()

    class Meta:
        indexes = [models.Index(fields=["borrower", "channel"], name="opt_out_lookup")]

    def __str__(self):
        return f"{self.borrower} opted out of {self.get_channel_display()}"


class ContactAttempt(models.Model):
    """One contact, made or refused. A refused one is stored too, with its reasons, so
    reviewers see the attempts that never happened."""

    class Direction(models.TextChoices):
        OUTBOUND = "outbound", "Outbound"
        INBOUND = "inbound", "Inbound"

    class Party(models.TextChoices):
        NONE = "none", "Nobody"
        BORROWER = "borrower", "Borrower"
        THIRD_PARTY = "third_party", "Third party"

    case = models.ForeignKey("cases.CollectionCase", on_delete=models.PROTECT, related_name="contact_attempts")
    # Denormalised from the case: the per-borrower budgets count across all their cases.
    borrower = models.ForeignKey("cases.Borrower", on_delete=models.PROTECT, related_name="contact_attempts")
    channel = models.CharField(max_length=12, choices=Channel.choices)
    direction = models.CharField(max_length=8, choices=Direction.choices, default=Direction.OUTBOUND)
    contact_point = models.ForeignKey("cases.ContactPoint", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="contact_attempts")
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="contact_attempts", help_text="Empty: the system (scheduled message).")
    started_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, blank=True)
    conversation = models.BooleanField(default=False, help_text="A telephone conversation with the borrower took place.")
    party_reached = models.CharField(max_length=12, choices=Party.choices, default=Party.NONE)
    note = models.TextField(blank=True)
    template = models.ForeignKey(MessageTemplate, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    message_text = models.TextField(blank=True, help_text="The exact text sent, for messages and letters.")
    # The policy decision
    allowed = models.BooleanField()
    reasons = models.JSONField(default=list, blank=True, help_text="Reason codes of a refusal.")
    explanations = models.JSONField(default=list, blank=True)
    next_allowed_at = models.DateTimeField(null=True, blank=True)
    profile = models.ForeignKey(PolicyProfile, on_delete=models.PROTECT, related_name="+",
                                help_text="The profile version that judged this attempt.")
    overridden_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="+")
    override_reason = models.TextField(blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-started_at"]
        indexes = [
            models.Index(fields=["borrower", "started_at"], name="attempt_borrower_time"),
            models.Index(fields=["case", "channel", "started_at"], name="attempt_case_channel_time"),
            models.Index(fields=["contact_point", "started_at"], name="attempt_point_time"),
            models.Index(fields=["allowed", "started_at"], name="attempt_allowed_time"),
        ]
        permissions = [("override_contact_policy", "Can override an overridable contact refusal")]

    def __str__(self):
        verdict = "allowed" if self.allowed else "blocked"
        return f"{self.get_channel_display()} {verdict} {timezone.localtime(self.started_at):%Y-%m-%d %H:%M}"

    @property
    def was_overridden(self) -> bool:
        return self.overridden_by_id is not None


class OutboundMessage(models.Model):
    """The outbox: a message to send, written in the same transaction as the decision to
    send it. Workers deliver rows; the idempotency key goes to the gateway, so a retry or
    a worker killed mid-send never sends twice and never loses a message."""

    class State(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed"
        SUPPRESSED = "suppressed", "Suppressed"

    class Purpose(models.TextChoices):
        REMINDER = "reminder", "Reminder"
        LETTER = "letter", "Formal letter"
        VISIT_NOTICE = "visit_notice", "Field-visit notice"
        FOLLOW_UP = "follow_up", "Follow-up"

    case = models.ForeignKey("cases.CollectionCase", on_delete=models.PROTECT, related_name="outbound_messages")
    channel = models.CharField(max_length=12, choices=Channel.choices)
    purpose = models.CharField(max_length=16, choices=Purpose.choices, default=Purpose.REMINDER)
    template = models.ForeignKey(MessageTemplate, on_delete=models.PROTECT, related_name="+")
    contact_point = models.ForeignKey("cases.ContactPoint", on_delete=models.PROTECT, related_name="+")
    slot = models.DateTimeField(help_text="The cadence slot this message belongs to (part of its identity).")
    scheduled_for = models.DateTimeField(db_index=True, help_text="Not before this instant (moved on when the "
                                         "engine says later).")
    idempotency_key = models.CharField(max_length=120, unique=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.SCHEDULED, db_index=True)
    tries = models.PositiveSmallIntegerField(default=0)
    claimed_at = models.DateTimeField(null=True, blank=True)
    claim_token = models.CharField(max_length=40, blank=True)
    last_error = models.TextField(blank=True)
    suppressed_reasons = models.JSONField(default=list, blank=True)
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField(blank=True, help_text="The exact text sent.")
    provider_message_id = models.CharField(max_length=120, blank=True, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    attempt = models.OneToOneField(ContactAttempt, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="outbound_message")
    context = models.JSONField(default=dict, blank=True,
                               help_text="Extra template variables for this message (e.g. a visit's window and code).")
    created_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        ordering = ["scheduled_for"]
        constraints = [
            models.UniqueConstraint(fields=["case", "template", "slot"], name="outbox_one_message_per_slot"),
        ]
        indexes = [models.Index(fields=["state", "scheduled_for"], name="outbox_due")]

    def __str__(self):
        return f"{self.get_channel_display()} to case {self.case_id} at {timezone.localtime(self.scheduled_for):%Y-%m-%d %H:%M} ({self.state})"

    @staticmethod
    def key_for(case_id, template_id, slot, suffix: str = "") -> str:
        return f"case{case_id}-tpl{template_id}-{slot:%Y%m%dT%H%M}{suffix}"
