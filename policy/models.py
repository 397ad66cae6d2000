"""
Policy profiles: every number the escalation ladder and the compliance engine use.

A profile is versioned, never edited in place: saving a change writes a new version
(see ``policy.services.save_profile_version``), so every case event and contact
attempt can name the exact version that judged it and a later change never
re-judges the past.
"""

from datetime import date, time
from decimal import Decimal
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.validators import validate_time_zone_list

from .codes import ELECTRONIC_CHANNELS, NEVER_OVERRIDABLE, ProfileCode, Reason, RevocationScope


def _days(default, help_text, verbose_name):
    return models.PositiveIntegerField(default=default, help_text=help_text, verbose_name=verbose_name)


def _limit(help_text, verbose_name):
    """A cap the profile may not have at all (empty = this jurisdiction sets none)."""
    return models.PositiveIntegerField(null=True, blank=True, help_text=help_text, verbose_name=verbose_name)


def validate_holidays(value: str) -> None:
    for line in value.split():
        try:
            date.fromisoformat(line)
        except ValueError:
            raise ValidationError(_("%(line)r is not a date (YYYY-MM-DD), one per line.") % {"line": line}) from None


def validate_weekdays(value: str) -> None:
    for day in value.split():
        if day not in {"1", "2", "3", "4", "5", "6", "7"}:
            raise ValidationError(_("%(day)r is not a weekday number (1 = Monday … 7 = Sunday).") % {"day": day})


def validate_electronic_channels(value: str) -> None:
    for channel in value.split():
        if channel not in ELECTRONIC_CHANNELS:
            raise ValidationError(
                _("%(channel)r is not an electronic channel (sms, email, social).") % {"channel": channel}
            )


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
    sources = models.TextField(
        blank=True, help_text=_("Regulations and policies behind the numbers."), verbose_name=_("sources")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    change_note = models.CharField(max_length=255, blank=True, verbose_name=_("change note"))

    # Escalation ladder guards (DESIGN.md "The case state machine").
    reminder_min_dpd = _days(1, _("Days past due before SMS/email reminders start."), _("reminders from day"))
    phone_min_dpd = _days(8, _("Days past due before collectors phone."), _("phone calls from day"))
    written_notice_min_dpd = _days(30, _("Days past due before a formal letter."), _("written notice from day"))
    field_visit_min_dpd = _days(
        90, _("Days past due before a field visit may be requested."), _("field visits from day")
    )
    field_visit_min_outstanding = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        default=Decimal("10000.00"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("Smallest outstanding balance (account currency) worth a field visit."),
        verbose_name=_("field visit min outstanding"),
    )
    field_visit_min_failed_attempts = _days(
        6, _("Failed remote attempts needed before a visit."), _("failed attempts before a visit")
    )
    field_visit_min_failed_channels = _days(
        2, _("Distinct channels those failed attempts must span."), _("channels those attempts span")
    )
    field_visit_attempt_window_days = _days(
        30, _("Window in which the failed attempts are counted."), _("days the failed attempts are counted over")
    )
    written_notice_lead_days = _days(
        7, _("Days the written notice must precede a field visit."), _("written notice lead time (days)")
    )
    legal_min_dpd = _days(180, _("Days past due before legal referral."), _("legal referral from day"))
    # Arrangements
    promise_max_days = _days(30, _("Furthest a promise to pay may be dated."), _("longest promise (days)"))
    plan_max_installments = _days(
        6, _("Longest repayment plan a collector may agree without a supervisor."), _("longest plan without approval")
    )
    # A percent of the balance, not an amount: one profile covers accounts in several
    # currencies. Empty on the versions written before plans were judged by it.
    plan_min_installment_percent = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        default=Decimal("5.00"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text=_(
            "Smallest instalment a collector may agree without a supervisor, as a percent of the "
            "outstanding balance when the plan is agreed (empty: no minimum)."
        ),
        verbose_name=_("smallest instalment (percent of the balance)"),
    )
    plan_first_due_max_days = models.PositiveIntegerField(
        null=True,
        blank=True,
        default=30,
        help_text=_(
            "The first instalment of a plan agreed without a supervisor falls due within this many days "
            "(empty: no limit)."
        ),
        verbose_name=_("first instalment due within (days)"),
    )
    # Holds
    breathing_space_days = _days(
        60, _("UK Debt Respite Scheme: standard breathing space length."), _("breathing space (days)")
    )
    # Vulnerable borrowers get specialist handling: the nightly cycle never escalates them.
    auto_escalate_vulnerable = models.BooleanField(default=False, verbose_name=_("auto escalate vulnerable"))
    retention_years = _days(5, _("Years records are kept after the last activity."), _("records kept (years)"))

    # --- Contact rules (POLICY.md "Profiles shipped") --------------------------------
    contact_window_start = models.TimeField(
        default=time(8, 0),
        help_text=_("Borrower-local time contact may start."),
        verbose_name=_("contact window start"),
    )
    contact_window_end = models.TimeField(
        default=time(22, 0), help_text=_("Borrower-local time contact must stop."), verbose_name=_("contact window end")
    )
    fallback_time_zones = models.CharField(
        max_length=200,
        default="Asia/Shanghai",
        validators=[validate_time_zone_list],
        help_text=_(
            "Zones assumed when nothing about the borrower says where they are (space-separated; "
            "contact must be allowed in all of them)."
        ),
        verbose_name=_("fallback time zones"),
    )
    holidays = models.TextField(
        blank=True,
        validators=[validate_holidays],
        help_text=_("Borrower-local dates with no contact, one YYYY-MM-DD per line."),
        verbose_name=_("holidays"),
    )
    connected_calls_per_day = _limit(_("Connected calls per borrower per day (CN: 3)."), _("connected calls per day"))
    unanswered_calls_per_number_per_day = _limit(
        _("Unanswered calls per number per day (CN: 6)."), _("unanswered calls per number per day")
    )
    sms_per_day = _limit(_("Text messages per borrower per day."), _("texts per day"))
    calls_per_debt_7d = _limit(
        _("Calls per debt in any rolling 7 days (Reg F: 7 placed calls)."), _("calls per debt in 7 days")
    )
    calls_count_busy = models.BooleanField(
        default=True,
        help_text=_(
            "Count calls that never connected because of a busy line or network failure "
            "(Reg F counts only calls placed, so it does not)."
        ),
        verbose_name=_("calls count busy"),
    )
    sms_counts_as_call = models.BooleanField(
        default=False, help_text=_("Texts count toward the call limit (US-MA)."), verbose_name=_("sms counts as call")
    )
    calls_to_workplace_30d = _limit(
        _("Calls to numbers other than personal ones per 30 days (US-MA: 2)."), _("calls to other numbers in 30 days")
    )
    attempts_per_borrower_7d = _limit(
        _("Attempts on all channels per borrower in 7 days (CN policy: 10)."), _("attempts per borrower in 7 days")
    )
    conversation_wait_days = _limit(
        _("Days without calls after a telephone conversation, the conversation day being day 1 (Reg F: 7)."),
        _("quiet days after a conversation"),
    )
    third_party_contact_allowed = models.BooleanField(default=True, verbose_name=_("third party contact allowed"))
    third_party_max_per_person = _limit(
        _("Contacts per third party (Reg F: once, for location only)."), _("contacts per third party")
    )
    third_party_requires_unreachable = models.BooleanField(
        default=False,
        help_text=_("Third parties only when the borrower is unreachable (CN)."),
        verbose_name=_("third party requires unreachable"),
    )
    unreachable_failed_calls = _days(
        3,
        _("Consecutive failed calls after which the borrower counts as unreachable."),
        _("failed calls before unreachable"),
    )
    # --- Field visits (POLICY.md "field visit") ----------------------------------------
    visit_min_staff = _days(1, _("Staff who must attend a field visit together (CN: 2)."), _("staff on a field visit"))
    visits_per_30_days = _days(1, _("Field visits per case in any 30 days."), _("field visits in 30 days"))
    visit_notice_lead_hours = _days(
        48, _("Hours the pre-visit notice must precede the visit window."), _("visit notice lead time (hours)")
    )
    visit_notice_channels = models.CharField(
        max_length=40,
        default="sms letter",
        help_text=_("Channels the pre-visit notice goes by (space-separated)."),
        verbose_name=_("visit notice channels"),
    )
    no_visit_if_vulnerable = models.BooleanField(
        default=False,
        help_text=_("UK-FCA: no visit to a vulnerable borrower."),
        verbose_name=_("no visit if vulnerable"),
    )

    # --- Reminder cadence (plan_reminders) -------------------------------------------
    reminder_sms_dpd = models.CharField(
        max_length=100,
        default="1 3 7",
        blank=True,
        help_text=_("Days past due on which an SMS reminder is planned (space-separated)."),
        verbose_name=_("reminder sms dpd"),
    )
    reminder_email_every_days = _limit(
        _("An email reminder every N days past due (empty: none)."), _("e-mail reminder every (days)")
    )
    letter_on_written_notice = models.BooleanField(
        default=True,
        help_text=_("Plan the formal letter when a case reaches the written-notice rung."),
        verbose_name=_("letter on written notice"),
    )
    overridable_reasons = models.CharField(
        max_length=200,
        blank=True,
        validators=[validate_overridable],
        help_text=_("Reason codes a supervisor may override with a written reason (space-separated)."),
        verbose_name=_("overridable reasons"),
    )

    # --- Second edition (POLICY.md "Second edition") ----------------------------------
    closed_weekdays = models.CharField(
        max_length=20,
        blank=True,
        validators=[validate_weekdays],
        help_text=_("Borrower-local weekdays with no contact (1 = Monday … 7 = Sunday, space-separated)."),
        verbose_name=_("days without contact"),
    )
    attempts_per_account_7d = _limit(
        _("Contacts or attempts per account in 7 consecutive days, all media (US-NYC: 3)."),
        _("attempts per account in 7 days"),
    )
    consent_channels = models.CharField(
        max_length=40,
        blank=True,
        validators=[validate_electronic_channels],
        help_text=_("Electronic channels that need the borrower's recorded consent first (space-separated)."),
        verbose_name=_("channels needing consent"),
    )
    consent_request_allowed = models.BooleanField(
        default=False,
        help_text=_("One initial message solely to ask for consent may go without it (US-NYC)."),
        verbose_name=_("one consent request allowed"),
    )
    stop_reply_scope = models.CharField(
        max_length=16,
        choices=RevocationScope.choices,
        default=RevocationScope.CONTACT_POINT,
        help_text=_("How far a STOP reply reaches (US-NYC: that medium only)."),
        verbose_name=_("a stop reply withdraws"),
    )
    stop_reply_confirmation = models.BooleanField(
        default=True,
        help_text=_("Send one message confirming a STOP reply."),
        verbose_name=_("confirm a stop reply"),
    )
    first_contact_names_institution = models.BooleanField(
        default=False,
        help_text=_("The first message or call of a case uses a template that names the lender (CBA 2026)."),
        verbose_name=_("first contact names the lender"),
    )
    forbearance_before_legal = models.BooleanField(
        default=False,
        help_text=_("Legal referral needs a recorded forbearance assessment (EU CCD2 art. 35, FCA PS24/2)."),
        verbose_name=_("forbearance before legal referral"),
    )
    forbearance_window_days = _days(
        90, _("How recent the forbearance assessment must be."), _("forbearance assessment valid for (days)")
    )
    default_charge_cap = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("Most default charges an account may carry, in its currency (empty: as the contract says)."),
        verbose_name=_("default charges cap"),
    )
    limitation_years = _limit(
        _("Years after the last payment or acknowledgement a debt becomes time-barred (empty: never)."),
        _("limitation period (years)"),
    )
    time_barred_disclosure = models.BooleanField(
        default=False,
        help_text=_("Validation notices about a time-barred debt carry the time-barred disclosure (Reg F 1006.26)."),
        verbose_name=_("time-barred disclosure"),
    )

    # The tables keep the names they had when profiles lived in the contacts app: the
    # audit ledger's links name them.
    history = HistoricalRecords(table_name="contacts_historicalpolicyprofile")

    class Meta:
        db_table = "contacts_policyprofile"
        verbose_name = _("policy profile")
        verbose_name_plural = _("policy profiles")
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="policy_profile_code_version_unique"),
        ]

    def __str__(self):
        return f"{self.code} v{self.version}"

    @property
    def display_name(self) -> str:
        """The name in the reader's language: a shipped profile's name starts with its
        jurisdiction's English label (then its legal references), which is translated."""
        label = ProfileCode(self.code).label if self.code in ProfileCode.values else None
        if label is None:
            return self.name
        with translation.override("en"):
            english = str(label)
        return f"{label}{self.name[len(english) :]}" if self.name.startswith(english) else self.name

    @property
    def label(self) -> str:
        return f"{self.code} v{self.version}"

    # The sets below are parsed once per text, not per read: the engine reads them for each
    # check of a batch (parsing the holidays was a sixth of an API batch's rules).
    @property
    def holiday_dates(self) -> frozenset[date]:
        return _holiday_dates(self.holidays)

    @property
    def reminder_sms_days(self) -> list[int]:
        return [int(day) for day in self.reminder_sms_dpd.split()]

    @property
    def closed_weekday_numbers(self) -> frozenset[int]:
        """ISO weekday numbers (1 = Monday) with no contact."""
        return _weekday_numbers(self.closed_weekdays)

    @property
    def consent_channel_set(self) -> frozenset[str]:
        return _words(self.consent_channels)

    @property
    def overridable(self) -> frozenset[str]:
        return frozenset(self.overridable_reasons.split()) - NEVER_OVERRIDABLE


@lru_cache(maxsize=256)
def _holiday_dates(text: str) -> frozenset[date]:
    return frozenset(date.fromisoformat(line) for line in text.split())


@lru_cache(maxsize=256)
def _weekday_numbers(text: str) -> frozenset[int]:
    return frozenset(int(day) for day in text.split())


@lru_cache(maxsize=256)
def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())
