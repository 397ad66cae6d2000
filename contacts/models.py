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
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class ProfileCode(models.TextChoices):
    CN = "CN", _("China (default)")
    US_REGF = "US-REGF", _("US Regulation F")
    US_MA = "US-MA", _("US Massachusetts")
    UK_FCA = "UK-FCA", _("UK FCA")


def _days(default, help_text):
    return models.PositiveIntegerField(default=default, help_text=help_text)


def _limit(help_text):
    """A cap the profile may not have at all (empty = this jurisdiction sets none)."""
    return models.PositiveIntegerField(null=True, blank=True, help_text=help_text)


class Reason(models.TextChoices):
    """Stable reason codes of the compliance engine (DESIGN.md)."""

    OUTSIDE_HOURS = "outside_hours", _("Outside the borrower's contact hours")
    DAILY_CAP = "daily_cap", _("Daily limit reached")
    WEEKLY_CAP = "weekly_cap", _("Weekly limit reached")
    POST_CONVERSATION_WAIT = "post_conversation_wait", _("Waiting period after a conversation")
    CEASE_REQUESTED = "cease_requested", _("Borrower asked us to stop contacting them")
    CHANNEL_OPT_OUT = "channel_opt_out", _("Borrower opted out of this channel")
    CASE_ON_HOLD = "case_on_hold", _("Case is on hold")
    CASE_CLOSED = "case_closed", _("Case is closed or the debt is paid")
    STAGE_NOT_REACHED = "stage_not_reached", _("The case has not reached the rung for this channel")
    NO_APPROVED_VISIT = "no_approved_visit", _("No approved field visit")
    INVALID_CONTACT_POINT = "invalid_contact_point", _("Contact point is known to be invalid")
    THIRD_PARTY_LIMIT = "third_party_limit", _("Third-party contact not allowed now")
    HOLIDAY = "holiday", _("Public holiday")
    TEMPLATE_NOT_APPROVED = "template_not_approved", _("Message template not approved")


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
            raise ValidationError(_("%(line)r is not a date (YYYY-MM-DD), one per line.") % {"line": line})


def validate_overridable(value: str) -> None:
    for code in value.split():
        if code not in Reason.values:
            raise ValidationError(_("%(code)r is not a reason code.") % {"code": code})
        if code in NEVER_OVERRIDABLE:
            raise ValidationError(_("%(code)r can never be overridden.") % {"code": code})


class PolicyProfile(models.Model):
    code = models.CharField(max_length=16, choices=ProfileCode.choices, verbose_name=_("code"))
    version = models.PositiveIntegerField(default=1, verbose_name=_("version"))
    name = models.CharField(max_length=100, verbose_name=_("name"))
    sources = models.TextField(blank=True, help_text=_("Regulations and policies behind the numbers."), verbose_name=_("sources"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    change_note = models.CharField(max_length=255, blank=True, verbose_name=_("change note"))

    # Escalation ladder guards (DESIGN.md "The case state machine").
    reminder_min_dpd = _days(1, "Days past due before SMS/email reminders start.")
    phone_min_dpd = _days(8, "Days past due before collectors phone.")
    written_notice_min_dpd = _days(30, "Days past due before a formal letter.")
    field_visit_min_dpd = _days(90, "Days past due before a field visit may be requested.")
    field_visit_min_outstanding = models.DecimalField(
        max_digits=14, decimal_places=2, default=Decimal("10000.00"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("Smallest outstanding balance (account currency) worth a field visit."), verbose_name=_("field visit min outstanding"),
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
    auto_escalate_vulnerable = models.BooleanField(default=False, verbose_name=_("auto escalate vulnerable"))
    retention_years = _days(5, "Years records are kept after the last activity.")

    # --- Contact rules (POLICY.md "Profiles shipped") --------------------------------
    contact_window_start = models.TimeField(default=time(8, 0), help_text=_("Borrower-local time contact may start."), verbose_name=_("contact window start"))
    contact_window_end = models.TimeField(default=time(22, 0), help_text=_("Borrower-local time contact must stop."), verbose_name=_("contact window end"))
    fallback_time_zones = models.CharField(
        max_length=200, default="Asia/Shanghai", validators=[validate_time_zone_list],
        help_text=_("Zones assumed when nothing about the borrower says where they are (space-separated; "
        "contact must be allowed in all of them)."), verbose_name=_("fallback time zones"),
    )
    holidays = models.TextField(blank=True, validators=[validate_holidays],
                                help_text=_("Borrower-local dates with no contact, one YYYY-MM-DD per line."), verbose_name=_("holidays"))
    connected_calls_per_day = _limit("Connected calls per borrower per day (CN: 3).")
    unanswered_calls_per_number_per_day = _limit("Unanswered calls per number per day (CN: 6).")
    sms_per_day = _limit("Text messages per borrower per day.")
    calls_per_debt_7d = _limit("Calls per debt in any rolling 7 days (Reg F: 7 placed calls).")
    calls_count_busy = models.BooleanField(
        default=True, help_text=_("Count calls that never connected because of a busy line or network failure "
        "(Reg F counts only calls placed, so it does not)."), verbose_name=_("calls count busy"),
    )
    sms_counts_as_call = models.BooleanField(default=False, help_text=_("Texts count toward the call limit (US-MA)."), verbose_name=_("sms counts as call"))
    calls_to_workplace_30d = _limit("Calls to numbers other than personal ones per 30 days (US-MA: 2).")
    attempts_per_borrower_7d = _limit("Attempts on all channels per borrower in 7 days (CN policy: 10).")
    conversation_wait_days = _limit("Days without calls after a telephone conversation, the conversation day "
                                    "being day 1 (Reg F: 7).")
    third_party_contact_allowed = models.BooleanField(default=True, verbose_name=_("third party contact allowed"))
    third_party_max_per_person = _limit("Contacts per third party (Reg F: once, for location only).")
    third_party_requires_unreachable = models.BooleanField(
        default=False, help_text=_("Third parties only when the borrower is unreachable (CN)."), verbose_name=_("third party requires unreachable"))
    unreachable_failed_calls = _days(3, "Consecutive failed calls after which the borrower counts as unreachable.")
    # --- Field visits (POLICY.md "field visit") ----------------------------------------
    visit_min_staff = _days(1, "Staff who must attend a field visit together (CN: 2).")
    visits_per_30_days = _days(1, "Field visits per case in any 30 days.")
    visit_notice_lead_hours = _days(48, "Hours the pre-visit notice must precede the visit window.")
    visit_notice_channels = models.CharField(max_length=40, default="sms letter",
                                             help_text=_("Channels the pre-visit notice goes by (space-separated)."), verbose_name=_("visit notice channels"))
    no_visit_if_vulnerable = models.BooleanField(default=False, help_text=_("UK-FCA: no visit to a vulnerable borrower."), verbose_name=_("no visit if vulnerable"))

    # --- Reminder cadence (plan_reminders) -------------------------------------------
    reminder_sms_dpd = models.CharField(
        max_length=100, default="1 3 7", blank=True,
        help_text=_("Days past due on which an SMS reminder is planned (space-separated)."), verbose_name=_("reminder sms dpd"))
    reminder_email_every_days = _limit("An email reminder every N days past due (empty: none).")
    letter_on_written_notice = models.BooleanField(
        default=True, help_text=_("Plan the formal letter when a case reaches the written-notice rung."), verbose_name=_("letter on written notice"))
    overridable_reasons = models.CharField(
        max_length=200, blank=True, validators=[validate_overridable],
        help_text=_("Reason codes a supervisor may override with a written reason (space-separated)."), verbose_name=_("overridable reasons"),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("policy profile")
        verbose_name_plural = _("policy profiles")
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
    PHONE_CALL = "phone_call", _("Phone call")
    SMS = "sms", _("SMS")
    EMAIL = "email", _("Email")
    LETTER = "letter", _("Letter")
    SOCIAL = "social", _("Social media private message")
    FIELD_VISIT = "field_visit", _("Field visit")


ELECTRONIC_CHANNELS = {Channel.SMS, Channel.EMAIL, Channel.SOCIAL}
# Which kind of contact point each channel reaches.
CHANNEL_POINT_KIND = {
    Channel.PHONE_CALL: "phone", Channel.SMS: "phone", Channel.EMAIL: "email",
    Channel.LETTER: "postal", Channel.SOCIAL: "social", Channel.FIELD_VISIT: "postal",
}


class Outcome(models.TextChoices):
    NO_ANSWER = "no_answer", _("No answer")
    BUSY = "busy", _("Busy / network failure")
    VOICEMAIL = "voicemail", _("Voicemail left (limited content)")
    WRONG_NUMBER = "wrong_number", _("Wrong number")
    THIRD_PARTY = "third_party", _("Reached a third party")
    RIGHT_PARTY = "right_party", _("Reached the borrower")
    PROMISE_TO_PAY = "promise_to_pay", _("Promise to pay")
    REFUSED_TO_PAY = "refused_to_pay", _("Refused to pay")
    DISPUTES_DEBT = "disputes_debt", _("Disputes the debt")
    REQUESTS_CEASE = "requests_cease", _("Requests no further contact")
    HARDSHIP = "hardship", _("Hardship claimed")
    CALLBACK = "callback", _("Callback requested")
    SENT = "sent", _("Sent (message, letter)")


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

    code = models.SlugField(max_length=60, help_text=_("Stable name of the message, e.g. sms-reminder-dpd1."), verbose_name=_("code"))
    version = models.PositiveIntegerField(default=1, verbose_name=_("version"))
    channel = models.CharField(max_length=12, choices=Channel.choices, verbose_name=_("channel"))
    language = models.CharField(max_length=8, choices=[("zh-hans", "简体中文"), ("en", "English")], verbose_name=_("language"))
    subject = models.CharField(max_length=200, blank=True, verbose_name=_("subject"))
    body = models.TextField(help_text=format_lazy(_("Variables in braces: {}"), ", ".join("{%s}" % v for v in sorted(VARIABLES))),
                            verbose_name=_("body"))
    is_required_notice = models.BooleanField(
        default=False, help_text=_("A notice the law requires even after a cease request (e.g. collection ends)."), verbose_name=_("is required notice"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("created by"))
    approved_at = models.DateTimeField(null=True, blank=True, verbose_name=_("approved at"))
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("approved by"))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")
        ordering = ["code", "-version"]
        constraints = [models.UniqueConstraint(fields=["code", "version"], name="template_code_version_unique")]
        permissions = [("approve_messagetemplate", "Can approve message template versions")]

    def __str__(self):
        return f"{self.code} v{self.version}" if self.is_approved else _("%(code)s v%(version)s (not approved)") % {
            "code": self.code, "version": self.version}

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
            raise ValidationError({"body": _("Unbalanced braces: %(error)s.") % {"error": error}})
        if unknown:
            raise ValidationError({"body": _("Unknown variables: %(unknown)s. Allowed: %(allowed)s.") % {
                "unknown": ", ".join("{%s}" % v for v in sorted(unknown)), "allowed": ", ".join(sorted(self.VARIABLES))}})
        text = f"{self.subject} {self.body}".lower()
        banned = [word for word in self.PROHIBITED if word in text]
        if banned:
            raise ValidationError({"body": _("Prohibited content (threats, false consequences): %(words)s.") % {"words": ", ".join(banned)}})


class ChannelOptOut(models.Model):
    """The borrower asked not to be contacted on a channel (everywhere, or at one point)."""

    borrower = models.ForeignKey("cases.Borrower", on_delete=models.PROTECT, related_name="channel_opt_outs", verbose_name=_("borrower"))
    channel = models.CharField(max_length=12, choices=Channel.choices, verbose_name=_("channel"))
    contact_point = models.ForeignKey("cases.ContactPoint", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="+", help_text=_("Empty: every contact point on this channel."), verbose_name=_("contact point"))
    requested_at = models.DateTimeField(default=timezone.now, verbose_name=_("requested at"))
    note = models.CharField(max_length=255, blank=True, verbose_name=_("note"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("recorded by"))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("channel opt out")
        verbose_name_plural = _("channel opt outs")
        indexes = [models.Index(fields=["borrower", "channel"], name="opt_out_lookup")]

    def __str__(self):
        return f"{self.borrower} opted out of {self.get_channel_display()}"


class ContactAttempt(models.Model):
    """One contact, made or refused. A refused one is stored too, with its reasons, so
    reviewers see the attempts that never happened."""

    class Direction(models.TextChoices):
        OUTBOUND = "outbound", _("Outbound")
        INBOUND = "inbound", _("Inbound")

    class Party(models.TextChoices):
        NONE = "none", _("Nobody")
        BORROWER = "borrower", _("Borrower")
        THIRD_PARTY = "third_party", _("Third party")

    case = models.ForeignKey("cases.CollectionCase", on_delete=models.PROTECT, related_name="contact_attempts", verbose_name=_("case"))
    # Denormalised from the case: the per-borrower budgets count across all their cases.
    borrower = models.ForeignKey("cases.Borrower", on_delete=models.PROTECT, related_name="contact_attempts", verbose_name=_("borrower"))
    channel = models.CharField(max_length=12, choices=Channel.choices, verbose_name=_("channel"))
    direction = models.CharField(max_length=8, choices=Direction.choices, default=Direction.OUTBOUND, verbose_name=_("direction"))
    contact_point = models.ForeignKey("cases.ContactPoint", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="contact_attempts", verbose_name=_("contact point"))
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="contact_attempts", help_text=_("Empty: the system (scheduled message)."), verbose_name=_("agent"))
    started_at = models.DateTimeField(default=timezone.now, verbose_name=_("started at"))
    ended_at = models.DateTimeField(null=True, blank=True, verbose_name=_("ended at"))
    outcome = models.CharField(max_length=16, choices=Outcome.choices, blank=True, verbose_name=_("outcome"))
    conversation = models.BooleanField(default=False, help_text=_("A telephone conversation with the borrower took place."), verbose_name=_("conversation"))
    party_reached = models.CharField(max_length=12, choices=Party.choices, default=Party.NONE, verbose_name=_("party reached"))
    note = models.TextField(blank=True, verbose_name=_("note"))
    template = models.ForeignKey(MessageTemplate, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("template"))
    message_text = models.TextField(blank=True, help_text=_("The exact text sent, for messages and letters."), verbose_name=_("message text"))
    # The policy decision
    allowed = models.BooleanField(verbose_name=_("allowed"))
    reasons = models.JSONField(default=list, blank=True, help_text=_("Reason codes of a refusal."), verbose_name=_("reasons"))
    explanations = models.JSONField(default=list, blank=True, verbose_name=_("explanations"))
    next_allowed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("next allowed at"))
    profile = models.ForeignKey(PolicyProfile, on_delete=models.PROTECT, related_name="+",
                                help_text=_("The profile version that judged this attempt."), verbose_name=_("profile"))
    overridden_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="+", verbose_name=_("overridden by"))
    override_reason = models.TextField(blank=True, verbose_name=_("override reason"))
    recorded_at = models.DateTimeField(default=timezone.now, verbose_name=_("recorded at"))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("contact attempt")
        verbose_name_plural = _("contact attempts")
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
        SCHEDULED = "scheduled", _("Scheduled")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")
        SUPPRESSED = "suppressed", _("Suppressed")

    class Purpose(models.TextChoices):
        REMINDER = "reminder", _("Reminder")
        LETTER = "letter", _("Formal letter")
        VISIT_NOTICE = "visit_notice", _("Field-visit notice")
        FOLLOW_UP = "follow_up", _("Follow-up")

    case = models.ForeignKey("cases.CollectionCase", on_delete=models.PROTECT, related_name="outbound_messages", verbose_name=_("case"))
    channel = models.CharField(max_length=12, choices=Channel.choices, verbose_name=_("channel"))
    purpose = models.CharField(max_length=16, choices=Purpose.choices, default=Purpose.REMINDER, verbose_name=_("purpose"))
    template = models.ForeignKey(MessageTemplate, on_delete=models.PROTECT, related_name="+", verbose_name=_("template"))
    contact_point = models.ForeignKey("cases.ContactPoint", on_delete=models.PROTECT, related_name="+", verbose_name=_("contact point"))
    slot = models.DateTimeField(help_text=_("The cadence slot this message belongs to (part of its identity)."), verbose_name=_("slot"))
    scheduled_for = models.DateTimeField(db_index=True, help_text=_("Not before this instant (moved on when the "
                                         "engine says later)."), verbose_name=_("scheduled for"))
    idempotency_key = models.CharField(max_length=120, unique=True, verbose_name=_("idempotency key"))
    state = models.CharField(max_length=10, choices=State.choices, default=State.SCHEDULED, db_index=True, verbose_name=_("state"))
    tries = models.PositiveSmallIntegerField(default=0, verbose_name=_("tries"))
    claimed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("claimed at"))
    claim_token = models.CharField(max_length=40, blank=True, verbose_name=_("claim token"))
    last_error = models.TextField(blank=True, verbose_name=_("last error"))
    suppressed_reasons = models.JSONField(default=list, blank=True, verbose_name=_("suppressed reasons"))
    subject = models.CharField(max_length=200, blank=True, verbose_name=_("subject"))
    body = models.TextField(blank=True, help_text=_("The exact text sent."), verbose_name=_("body"))
    provider_message_id = models.CharField(max_length=120, blank=True, db_index=True, verbose_name=_("provider message id"))
    sent_at = models.DateTimeField(null=True, blank=True, verbose_name=_("sent at"))
    delivered_at = models.DateTimeField(null=True, blank=True, verbose_name=_("delivered at"))
    attempt = models.OneToOneField(ContactAttempt, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="outbound_message", verbose_name=_("attempt"))
    context = models.JSONField(default=dict, blank=True,
                               help_text=_("Extra template variables for this message (e.g. a visit's window and code)."), verbose_name=_("context"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("outbound message")
        verbose_name_plural = _("outbound messages")
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
