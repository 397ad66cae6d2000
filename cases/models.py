"""
Borrowers, their loan accounts, and the collection case that works an overdue account.

The case's escalation ladder is read top to bottom in ``CollectionCase``: the states,
then one method per transition with its guards (``cases/guards.py``) and permission.
State changes go through ``cases.services``; the FSM field is protected, so nothing
can set a state directly.
"""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from functools import cached_property, lru_cache
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, validate_email
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import GET_STATE, ConcurrentTransitionMixin, FSMField, transition
import phonenumbers
from simple_history.models import HistoricalRecords

from contacts.models import ProfileCode

from . import guards
from .masking import mask_email, mask_national_id, mask_phone, mask_text

MONEY = {"max_digits": 14, "decimal_places": 2}
NON_NEGATIVE = [MinValueValidator(Decimal("0"))]


class Currency(models.TextChoices):
    CNY = "CNY", _("Chinese yuan")
    USD = "USD", _("US dollar")
    GBP = "GBP", _("Pound sterling")
    EUR = "EUR", _("Euro")
    HKD = "HKD", _("Hong Kong dollar")


class Language(models.TextChoices):
    ZH_HANS = "zh-hans", "简体中文"
    EN = "en", "English"


@lru_cache(maxsize=1)
def _known_time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def validate_time_zone(value: str) -> None:
    if value and value not in _known_time_zones():
        raise ValidationError(_("%(value)r is not an IANA time zone (e.g. Asia/Shanghai, America/New_York).") % {"value": value})


# Region used to read a phone number written without its country code.
PROFILE_PHONE_REGION = {"CN": "CN", "US-REGF": "US", "US-MA": "US", "UK-FCA": "GB"}


class Borrower(models.Model):
    full_name = models.CharField(max_length=200, db_index=True, verbose_name=_("full name"))
    # Stored in full, shown masked to every role without cases.view_full_national_id.
    national_id = models.CharField(max_length=32, blank=True, verbose_name=_("national ID"))
    date_of_birth = models.DateField(null=True, blank=True, verbose_name=_("date of birth"))
    home_time_zone = models.CharField(
        max_length=64, blank=True, validators=[validate_time_zone],
        help_text=_("IANA zone. Leave blank when unknown: contact is then allowed only when "
        "allowed in every zone the contact points suggest."), verbose_name=_("home time zone"),
    )
    language = models.CharField(max_length=8, choices=Language.choices, default=Language.ZH_HANS, verbose_name=_("language"))
    vulnerable = models.BooleanField(
        default=False, help_text=_("Specialist handling: no automatic escalation, no field visits where the profile says so."), verbose_name=_("vulnerable")
    )
    vulnerability_note = models.TextField(blank=True, verbose_name=_("vulnerability note"))
    policy_profile_code = models.CharField(max_length=16, choices=ProfileCode.choices, default=ProfileCode.CN, verbose_name=_("policy profile code"))
    region = models.CharField(max_length=100, blank=True, help_text=_("Province/state or city, for field coverage."), verbose_name=_("region"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("borrower")
        verbose_name_plural = _("borrowers")
        ordering = ["full_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["national_id"], condition=~Q(national_id=""), name="borrower_national_id_unique"
            ),
        ]

    def __str__(self):
        return self.full_name

    @property
    def national_id_masked(self) -> str:
        return mask_national_id(self.national_id)


class ContactPoint(models.Model):
    class Kind(models.TextChoices):
        PHONE = "phone", _("Phone")
        EMAIL = "email", _("Email")
        POSTAL = "postal", _("Postal address")
        SOCIAL = "social", _("Social account (private messages)")

    class Owner(models.TextChoices):
        BORROWER = "borrower", _("Borrower")
        THIRD_PARTY = "third_party", _("Third party")

    borrower = models.ForeignKey(Borrower, on_delete=models.PROTECT, related_name="contact_points", verbose_name=_("borrower"))
    kind = models.CharField(max_length=10, choices=Kind.choices, verbose_name=_("kind"))
    value = models.CharField(max_length=255, help_text=_("Phones are stored in E.164 (+8613812345678)."), verbose_name=_("value"))
    label = models.CharField(max_length=50, blank=True, help_text=_("mobile, home, work, WeChat…"), verbose_name=_("label"))
    owner = models.CharField(max_length=12, choices=Owner.choices, default=Owner.BORROWER, verbose_name=_("owner"))
    third_party_relation = models.CharField(max_length=50, blank=True, verbose_name=_("third party relation"))
    time_zone = models.CharField(
        max_length=64, blank=True, validators=[validate_time_zone],
        help_text=_("Zone this point suggests (from the phone number's area where it has one)."), verbose_name=_("time zone"),
    )
    is_verified = models.BooleanField(default=False, verbose_name=_("is verified"))
    is_primary = models.BooleanField(default=False, verbose_name=_("is primary"))
    is_workplace = models.BooleanField(default=False, help_text=_("A work number, not a personal one (US-MA counts these apart)."), verbose_name=_("is workplace"))
    is_invalid = models.BooleanField(default=False, help_text=_("e.g. number no longer in service"), verbose_name=_("is invalid"))
    invalid_since = models.DateTimeField(null=True, blank=True, verbose_name=_("invalid since"))
    opted_out = models.BooleanField(default=False, help_text=_("The borrower asked not to be contacted here."), verbose_name=_("opted out"))
    opted_out_at = models.DateTimeField(null=True, blank=True, verbose_name=_("opted out at"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("contact point")
        verbose_name_plural = _("contact points")
        ordering = ["borrower", "-is_primary", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["borrower", "kind", "value"], name="contact_point_unique_value"),
            models.UniqueConstraint(
                fields=["borrower", "kind"], condition=Q(is_primary=True), name="contact_point_one_primary_per_kind"
            ),
        ]
        indexes = [models.Index(fields=["kind", "value"], name="contact_point_lookup")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.masked_value}"

    def clean(self):
        super().clean()
        if self.kind == self.Kind.PHONE:
            region = PROFILE_PHONE_REGION.get(getattr(self.borrower, "policy_profile_code", ""), "CN") if self.borrower_id else "CN"
            self.value, suggested_zone = normalise_phone(self.value, region)
            if not self.time_zone and suggested_zone:
                self.time_zone = suggested_zone
        elif self.kind == self.Kind.EMAIL:
            self.value = self.value.strip().lower()
            try:
                validate_email(self.value)
            except ValidationError:
                raise ValidationError({"value": _("Enter a valid email address.")})
        if self.owner == self.Owner.THIRD_PARTY and not self.third_party_relation:
            raise ValidationError({"third_party_relation": _("Say who the third party is (spouse, employer…).")})

    @property
    def masked_value(self) -> str:
        if self.kind == self.Kind.PHONE:
            return mask_phone(self.value)
        if self.kind == self.Kind.EMAIL:
            return mask_email(self.value)
        return mask_text(self.value)


def normalise_phone(raw: str, region: str) -> tuple[str, str]:
    """(E.164 number, the single time zone its area suggests or "").

    Raises ValidationError naming the problem when the number is not a valid one.
    """
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as exc:
        raise ValidationError({"value": _("Not a phone number: %(error)s.") % {"error": exc}})
    if not phonenumbers.is_valid_number(number):
        raise ValidationError({"value": _("%(number)s is not a valid phone number for %(region)s or its own country code.")
                               % {"number": raw, "region": region}})
    from phonenumbers import timezone as phone_zones

    zones = [z for z in phone_zones.time_zones_for_number(number) if z in _known_time_zones()]
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), (zones[0] if len(zones) == 1 else "")


class LoanAccount(models.Model):
    borrower = models.ForeignKey(Borrower, on_delete=models.PROTECT, related_name="accounts", verbose_name=_("borrower"))
    loan_number = models.CharField(max_length=40, unique=True, help_text=_("The lender's external loan number."), verbose_name=_("loan number"))
    product = models.CharField(max_length=100, verbose_name=_("product"))
    currency = models.CharField(max_length=3, choices=Currency.choices, default=Currency.CNY, verbose_name=_("currency"))
    principal = models.DecimalField(**MONEY, validators=NON_NEGATIVE, verbose_name=_("principal"))
    outstanding_principal = models.DecimalField(**MONEY, validators=NON_NEGATIVE, verbose_name=_("outstanding principal"))
    outstanding_interest = models.DecimalField(**MONEY, default=Decimal("0"), validators=NON_NEGATIVE, verbose_name=_("outstanding interest"))
    outstanding_fees = models.DecimalField(**MONEY, default=Decimal("0"), validators=NON_NEGATIVE, verbose_name=_("outstanding fees"))
    oldest_unpaid_due_date = models.DateField(
        null=True, blank=True, help_text=_("Due date of the oldest unpaid instalment; empty when nothing is overdue."), verbose_name=_("oldest unpaid due date")
    )
    # Derived from oldest_unpaid_due_date; stored so lists and the nightly cycle can
    # filter and sort on it. Refreshed on save and by the nightly cycle.
    days_past_due = models.PositiveIntegerField(default=0, db_index=True, verbose_name=_("days past due"))
    region = models.CharField(max_length=100, blank=True, verbose_name=_("region"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("loan account")
        verbose_name_plural = _("loan accounts")
        ordering = ["loan_number"]

    def __str__(self):
        return self.loan_number

    @property
    def outstanding_total(self) -> Decimal:
        return self.outstanding_principal + self.outstanding_interest + self.outstanding_fees

    def days_past_due_on(self, day: date) -> int:
        if self.oldest_unpaid_due_date is None or self.outstanding_total <= 0:
            return 0
        return max((day - self.oldest_unpaid_due_date).days, 0)

    def save(self, *args, **kwargs):
        self.days_past_due = self.days_past_due_on(timezone.localdate())
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "days_past_due"}
        super().save(*args, **kwargs)


class CaseState(models.TextChoices):
    NEW = "new", _("New")
    REMINDER = "reminder", _("Reminders")
    PHONE = "phone", _("Phone calls")
    WRITTEN_NOTICE = "written_notice", _("Written notice")
    FIELD_VISIT = "field_visit", _("Field visit")
    LEGAL = "legal", _("Legal referral")
    ARRANGEMENT = "arrangement", _("Arrangement running")
    ON_HOLD = "on_hold", _("On hold")
    RESOLVED = "resolved", _("Resolved")
    WRITTEN_OFF = "written_off", _("Written off")


# The escalation ladder, lowest rung first. A case climbs one rung at a time.
LADDER = [
    CaseState.NEW, CaseState.REMINDER, CaseState.PHONE,
    CaseState.WRITTEN_NOTICE, CaseState.FIELD_VISIT, CaseState.LEGAL,
]
SIDE_STATES = [CaseState.ARRANGEMENT, CaseState.ON_HOLD]
CLOSED_STATES = [CaseState.RESOLVED, CaseState.WRITTEN_OFF]
OPEN_STATES = LADDER + SIDE_STATES

# The guard that says whether a case's delinquency still calls for a rung.
RUNG_DPD_GUARDS = {
    CaseState.REMINDER: guards.reminder_dpd_reached,
    CaseState.PHONE: guards.phone_dpd_reached,
    CaseState.WRITTEN_NOTICE: guards.written_notice_dpd_reached,
    CaseState.FIELD_VISIT: guards.field_visit_dpd_reached,
    CaseState.LEGAL: guards.legal_dpd_reached,
}


def cases_with_running_arrangement(case_ids, today: date | None = None) -> set[int]:
    """The cases among ``case_ids`` with an arrangement running: a pending promise not yet
    due, or an active repayment plan. Such a case sits in arrangement, not on its rung.
    One query, for one case or a batch."""
    today = today or timezone.localdate()
    promised = PromiseToPay.objects.filter(case_id__in=case_ids, status=PromiseToPay.Status.PENDING,
                                           due_date__gte=today).values_list("case_id", flat=True).order_by()
    planned = RepaymentPlan.objects.filter(case_id__in=case_ids, status=RepaymentPlan.Status.ACTIVE) \
        .values_list("case_id", flat=True).order_by()
    return set(promised.union(planned))


def rung_called_for(case) -> str:
    """The rung a case returns to from a side state.

    The highest rung it had reached whose days-past-due threshold still holds: never
    above where it was (no rung is skipped), lower if payments reduced its delinquency.
    """
    reached = LADDER.index(case.ladder_rung)
    for rung in reversed(LADDER[1: reached + 1]):
        if RUNG_DPD_GUARDS[rung](case):
            return rung
    return CaseState.NEW


def state_after_hold(case) -> str:
    return CaseState.ARRANGEMENT if case.has_running_arrangement() else rung_called_for(case)


class CollectionCase(ConcurrentTransitionMixin, models.Model):
    account = models.ForeignKey(LoanAccount, on_delete=models.PROTECT, related_name="cases", verbose_name=_("account"))
    state = FSMField(default=CaseState.NEW, choices=CaseState.choices, protected=True, db_index=True, verbose_name=_("state"))
    ladder_rung = models.CharField(
        max_length=20, choices=[(s.value, s.label) for s in LADDER], default=CaseState.NEW,
        help_text=_("Highest rung reached; kept while the case is in a side state."), verbose_name=_("ladder rung"),
    )
    assigned_collector = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="assigned_cases",
        limit_choices_to={"groups__name": "Collector", "is_active": True}, verbose_name=_("assigned collector"),
    )
    opened_at = models.DateTimeField(default=timezone.now, verbose_name=_("opened at"))
    state_changed_at = models.DateTimeField(default=timezone.now, verbose_name=_("state changed at"))
    closed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("closed at"))
    written_notice_sent_at = models.DateTimeField(null=True, blank=True, verbose_name=_("written notice sent at"))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("collection case")
        verbose_name_plural = _("collection cases")
        ordering = ["-opened_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["account"],
                condition=~Q(state__in=[CaseState.RESOLVED, CaseState.WRITTEN_OFF]),
                name="one_open_case_per_account",
            ),
        ]
        indexes = [models.Index(fields=["assigned_collector", "state"], name="case_collector_state")]
        permissions = [
            ("escalate_case", "Can escalate a case one rung"),
            ("refer_to_legal", "Can refer a case to legal action"),
            ("settle_case", "Can close a case as settled"),
            ("write_off_case", "Can write a case off"),
            ("assign_case", "Can assign cases to collectors"),
            ("place_hold", "Can place a hold on a case"),
            ("release_hold", "Can release a hold"),
            ("approve_repayment_plan", "Can approve repayment plans beyond policy"),
            ("view_full_national_id", "Can see borrowers' national ID numbers unmasked"),
            ("view_full_contact_details", "Can see borrowers' phone numbers and addresses unmasked"),
        ]

    def __str__(self):
        return _("Case %(number)s · %(loan)s") % {"number": self.pk, "loan": self.account.loan_number}

    # --- derived facts the guards read ------------------------------------------

    @cached_property
    def policy_profile(self):
        from contacts.selectors import current_profile

        return current_profile(self.account.borrower.policy_profile_code)

    @property
    def is_open(self) -> bool:
        return self.state not in CLOSED_STATES

    def remember_guard_facts(self) -> None:
        """Within one page view, the guards of every transition shown ask the same
        questions (active holds? a running arrangement?): answer each once. Only for
        read-only views of an instance; services always ask afresh."""
        self._guard_facts = {}

    def active_holds(self):
        facts = getattr(self, "_guard_facts", None)
        if facts is not None and "active_holds" in facts:
            return facts["active_holds"]
        now = timezone.now()
        holds = self.holds.filter(released_at__isnull=True, starts_at__lte=now).filter(
            Q(ends_at__isnull=True) | Q(ends_at__gt=now)
        )
        if facts is not None:
            len(holds)  # evaluated once: exists() and iteration then read the cached rows
            facts["active_holds"] = holds
        return holds

    def has_running_arrangement(self) -> bool:
        facts = getattr(self, "_guard_facts", None)
        if facts is not None and "running_arrangement" in facts:
            return facts["running_arrangement"]
        running = bool(cases_with_running_arrangement([self.pk]))
        if facts is not None:
            facts["running_arrangement"] = running
        return running

    def failed_remote_attempts(self, days: int) -> tuple[int, int]:
        """(failed remote attempts, distinct channels) in the last ``days``: contacts that
        went out (calls, messages, letters) without reaching the borrower."""
        from contacts.models import BORROWER_REACHED, Channel

        counted = self.contact_attempts.filter(
            allowed=True, direction="outbound", started_at__gte=timezone.now() - timedelta(days=days),
        ).exclude(channel=Channel.FIELD_VISIT).exclude(outcome__in=BORROWER_REACHED)
        totals = counted.aggregate(attempts=models.Count("pk"), channels=models.Count("channel", distinct=True))
        return totals["attempts"], totals["channels"]

    def has_approved_field_visit(self) -> bool:
        """A visit approved (by someone other than its requester) and still to happen."""
        from visits.models import LIVE_STATES

        return self.field_visits.filter(state__in=LIVE_STATES).exists()

    def visit_exception(self):
        """The live visit approved as a documented exception to eligibility, if any."""
        from visits.models import LIVE_STATES

        return self.field_visits.filter(state__in=LIVE_STATES, exception=True).first()

    # --- the escalation ladder ---------------------------------------------------

    @transition(field=state, source=CaseState.NEW, target=CaseState.REMINDER,
                conditions=[guards.reminder_dpd_reached], permission="cases.escalate_case",
                custom={"label": _("Start reminders")})
    def start_reminders(self):
        self.ladder_rung = CaseState.REMINDER

    @transition(field=state, source=CaseState.REMINDER, target=CaseState.PHONE,
                conditions=[guards.phone_dpd_reached], permission="cases.escalate_case",
                custom={"label": _("Escalate to phone calls")})
    def escalate_to_phone(self):
        self.ladder_rung = CaseState.PHONE

    @transition(field=state, source=CaseState.PHONE, target=CaseState.WRITTEN_NOTICE,
                conditions=[guards.written_notice_dpd_reached], permission="cases.escalate_case",
                custom={"label": _("Escalate to written notice")})
    def escalate_to_written_notice(self):
        self.ladder_rung = CaseState.WRITTEN_NOTICE

    @transition(field=state, source=CaseState.WRITTEN_NOTICE, target=CaseState.FIELD_VISIT,
                conditions=[guards.field_visit_dpd_reached, guards.field_visit_balance_reached,
                            guards.has_failed_remote_contact, guards.notice_lead_time_elapsed,
                            guards.has_approved_field_visit],
                permission="cases.escalate_case", custom={"label": _("Escalate to field visit")})
    def escalate_to_field_visit(self):
        self.ladder_rung = CaseState.FIELD_VISIT

    @transition(field=state, source=CaseState.FIELD_VISIT, target=CaseState.LEGAL,
                conditions=[guards.legal_dpd_reached, guards.written_notice_sent],
                permission="cases.refer_to_legal",
                custom={"label": _("Refer to legal"), "form": "cases.forms.TransitionReasonForm"})
    def refer_to_legal(self):
        self.ladder_rung = CaseState.LEGAL

    # --- side states: entered and left by the services, not by buttons ----------

    @transition(field=state, source=LADDER, target=CaseState.ARRANGEMENT,
                conditions=[guards.has_running_arrangement], custom={"admin": False})
    def start_arrangement(self):
        pass

    @transition(field=state, source=CaseState.ARRANGEMENT, target=GET_STATE(rung_called_for, states=LADDER),
                custom={"admin": False})
    def end_arrangement(self):
        pass

    @transition(field=state, source=LADDER + [CaseState.ARRANGEMENT], target=CaseState.ON_HOLD,
                conditions=[guards.has_active_hold], custom={"admin": False})
    def put_on_hold(self):
        pass

    @transition(field=state, source=CaseState.ON_HOLD,
                target=GET_STATE(state_after_hold, states=LADDER + [CaseState.ARRANGEMENT]),
                conditions=[guards.no_active_hold], custom={"admin": False})
    def release_from_hold(self):
        pass

    # --- terminal states: nothing leaves them ------------------------------------

    @transition(field=state, source=OPEN_STATES, target=CaseState.RESOLVED,
                conditions=[guards.balance_cleared], custom={"admin": False})
    def resolve(self):
        self.closed_at = timezone.now()

    @transition(field=state, source=OPEN_STATES, target=CaseState.RESOLVED, permission="cases.settle_case",
                custom={"label": _("Close as settled"), "form": "cases.forms.TransitionReasonForm"})
    def settle(self):
        self.closed_at = timezone.now()

    @transition(field=state, source=OPEN_STATES, target=CaseState.WRITTEN_OFF, permission="cases.write_off_case",
                custom={"label": _("Write off"), "form": "cases.forms.TransitionReasonForm"})
    def write_off(self):
        self.closed_at = timezone.now()


# Which transition climbs from each rung: ``services.escalate`` follows this.
NEXT_RUNG_TRANSITION = {
    CaseState.NEW: "start_reminders",
    CaseState.REMINDER: "escalate_to_phone",
    CaseState.PHONE: "escalate_to_written_notice",
    CaseState.WRITTEN_NOTICE: "escalate_to_field_visit",
    CaseState.FIELD_VISIT: "refer_to_legal",
}


class CaseEvent(models.Model):
    """What happened to a case, who did it, and which rule with which inputs allowed it.

    Append-only: written by the services, never edited.
    """

    class Kind(models.TextChoices):
        OPENED = "opened", _("Opened")
        TRANSITION = "transition", _("State change")
        ASSIGNMENT = "assignment", _("Assignment")
        HOLD_PLACED = "hold_placed", _("Hold placed")
        HOLD_RELEASED = "hold_released", _("Hold released")
        PAYMENT = "payment", _("Payment")
        PROMISE = "promise", _("Promise to pay")
        PLAN = "plan", _("Repayment plan")
        NOTICE = "notice", _("Written notice")
        VISIT = "visit", _("Field visit")

    case = models.ForeignKey(CollectionCase, on_delete=models.PROTECT, related_name="events", verbose_name=_("case"))
    at = models.DateTimeField(default=timezone.now, db_index=True, verbose_name=_("at"))
    kind = models.CharField(max_length=20, choices=Kind.choices, verbose_name=_("kind"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text=_("Empty when the system acted (nightly cycle, payment feed)."), verbose_name=_("actor"),
    )
    transition = models.CharField(max_length=50, blank=True, verbose_name=_("transition"))
    from_state = models.CharField(max_length=20, blank=True, verbose_name=_("from state"))
    to_state = models.CharField(max_length=20, blank=True, verbose_name=_("to state"))
    reason = models.TextField(blank=True, verbose_name=_("reason"))
    rules = models.JSONField(default=list, blank=True, help_text=_("Each guard checked: rule, passed, explanation, inputs."), verbose_name=_("rules"))
    profile_label = models.CharField(max_length=32, blank=True, verbose_name=_("profile label"))

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["case", "at"], name="case_event_timeline")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.from_state}→{self.to_state}".strip("→ ")

    @property
    def actor_label(self) -> str:
        return self.actor.get_username() if self.actor_id else _("system")


class Payment(models.Model):
    class Source(models.TextChoices):
        FEED = "feed", _("Loan system feed")
        MANUAL = "manual", _("Recorded by staff")
        FIELD_VISIT = "field_visit", _("Guided on a field visit")

    account = models.ForeignKey(LoanAccount, on_delete=models.PROTECT, related_name="payments", verbose_name=_("account"))
    reference = models.CharField(max_length=64, unique=True, help_text=_("External reference; a repeat is ignored."), verbose_name=_("reference"))
    amount = models.DecimalField(**MONEY, validators=[MinValueValidator(Decimal("0.01"))], verbose_name=_("amount"))
    currency = models.CharField(max_length=3, choices=Currency.choices, verbose_name=_("currency"))
    paid_at = models.DateTimeField(verbose_name=_("paid at"))
    source = models.CharField(max_length=12, choices=Source.choices, default=Source.FEED, verbose_name=_("source"))
    # How the amount was applied: fees first, then interest, then principal.
    applied_fees = models.DecimalField(**MONEY, default=Decimal("0"), verbose_name=_("applied fees"))
    applied_interest = models.DecimalField(**MONEY, default=Decimal("0"), verbose_name=_("applied interest"))
    applied_principal = models.DecimalField(**MONEY, default=Decimal("0"), verbose_name=_("applied principal"))
    unapplied = models.DecimalField(**MONEY, default=Decimal("0"), help_text=_("Overpayment held as credit."), verbose_name=_("unapplied"))
    recorded_at = models.DateTimeField(default=timezone.now, verbose_name=_("recorded at"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-paid_at"]
        indexes = [models.Index(fields=["account", "paid_at"], name="payment_account_time")]

    def __str__(self):
        return f"{self.amount} {self.currency} ({self.reference})"


class PromiseToPay(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        KEPT = "kept", _("Kept")
        BROKEN = "broken", _("Broken")
        CANCELLED = "cancelled", _("Cancelled")

    case = models.ForeignKey(CollectionCase, on_delete=models.PROTECT, related_name="promises", verbose_name=_("case"))
    amount = models.DecimalField(**MONEY, validators=[MinValueValidator(Decimal("0.01"))], verbose_name=_("amount"))
    currency = models.CharField(max_length=3, choices=Currency.choices, verbose_name=_("currency"))
    due_date = models.DateField(verbose_name=_("due date"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True, verbose_name=_("status"))
    note = models.TextField(blank=True, verbose_name=_("note"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by"))
    settled_at = models.DateTimeField(null=True, blank=True, verbose_name=_("settled at"))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("promise to pay")
        verbose_name_plural = _("promises to pay")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "due_date"], name="promise_status_due")]

    def __str__(self):
        return f"{self.amount} {self.currency} by {self.due_date}"


class RepaymentPlan(models.Model):
    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Awaiting supervisor approval")
        ACTIVE = "active", _("Active")
        COMPLETED = "completed", _("Completed")
        BROKEN = "broken", _("Broken")
        CANCELLED = "cancelled", _("Cancelled")

    case = models.ForeignKey(CollectionCase, on_delete=models.PROTECT, related_name="repayment_plans", verbose_name=_("case"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PROPOSED, db_index=True, verbose_name=_("status"))
    total_amount = models.DecimalField(**MONEY, validators=[MinValueValidator(Decimal("0.01"))], verbose_name=_("total amount"))
    currency = models.CharField(max_length=3, choices=Currency.choices, verbose_name=_("currency"))
    beyond_policy = models.BooleanField(default=False, help_text=_("Needs a supervisor's approval before it runs."), verbose_name=_("beyond policy"))
    note = models.TextField(blank=True, verbose_name=_("note"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by"))
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("approved by")
    )
    approved_at = models.DateTimeField(null=True, blank=True, verbose_name=_("approved at"))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("repayment plan")
        verbose_name_plural = _("repayment plans")
        ordering = ["-created_at"]

    def __str__(self):
        return f"Plan {self.pk}: {self.total_amount} {self.currency} ({self.get_status_display()})"


class Installment(models.Model):
    class Status(models.TextChoices):
        DUE = "due", _("Due")
        PAID = "paid", _("Paid")
        MISSED = "missed", _("Missed")

    plan = models.ForeignKey(RepaymentPlan, on_delete=models.PROTECT, related_name="installments", verbose_name=_("plan"))
    sequence = models.PositiveSmallIntegerField(verbose_name=_("sequence"))
    due_date = models.DateField(verbose_name=_("due date"))
    amount = models.DecimalField(**MONEY, validators=[MinValueValidator(Decimal("0.01"))], verbose_name=_("amount"))
    paid_amount = models.DecimalField(**MONEY, default=Decimal("0"), verbose_name=_("paid amount"))
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.DUE, verbose_name=_("status"))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("installment")
        verbose_name_plural = _("installments")
        ordering = ["plan", "sequence"]
        constraints = [models.UniqueConstraint(fields=["plan", "sequence"], name="installment_sequence_unique")]

    def __str__(self):
        return f"#{self.sequence} {self.amount} due {self.due_date}"


class Hold(models.Model):
    class Kind(models.TextChoices):
        DISPUTE = "dispute", _("Dispute")
        HARDSHIP = "hardship", _("Hardship")
        CEASE_COMMUNICATION = "cease_communication", _("Cease-communication request")
        BREATHING_SPACE = "breathing_space", _("Breathing space")
        BANKRUPTCY = "bankruptcy", _("Bankruptcy")
        DECEASED = "deceased", _("Deceased")
        COMPLAINT_INVESTIGATION = "complaint_investigation", _("Complaint under investigation")

    case = models.ForeignKey(CollectionCase, on_delete=models.PROTECT, related_name="holds", verbose_name=_("case"))
    kind = models.CharField(max_length=24, choices=Kind.choices, verbose_name=_("kind"))
    starts_at = models.DateTimeField(default=timezone.now, verbose_name=_("starts at"))
    ends_at = models.DateTimeField(null=True, blank=True, help_text=_("Empty: until released."), verbose_name=_("ends at"))
    note = models.TextField(blank=True, verbose_name=_("note"))
    evidence = models.FileField(upload_to="hold-evidence/%Y/%m/", blank=True, verbose_name=_("evidence"))
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("placed by")
    )
    released_at = models.DateTimeField(null=True, blank=True, verbose_name=_("released at"))
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("released by")
    )
    release_note = models.TextField(blank=True, verbose_name=_("release note"))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("hold")
        verbose_name_plural = _("holds")
        ordering = ["-starts_at"]
        indexes = [models.Index(fields=["case", "released_at"], name="hold_case_active")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gt=models.F("starts_at")),
                name="hold_ends_after_start",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} from {timezone.localtime(self.starts_at):%Y-%m-%d}"

    @property
    def is_active(self) -> bool:
        now = timezone.now()
        return self.released_at is None and self.starts_at <= now and (self.ends_at is None or self.ends_at > now)


class JobRun(models.Model):
    """One run of a scheduled job (nightly cycle, outbox dispatch, import): when, what it
    did, and how it ended. Visible in the admin so operations can see the night went well."""

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    job = models.CharField(max_length=60, db_index=True, verbose_name=_("job"))
    trigger = models.CharField(max_length=20, default="beat", help_text=_("beat, admin, command or test"), verbose_name=_("trigger"))
    started_at = models.DateTimeField(default=timezone.now, db_index=True, verbose_name=_("started at"))
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name=_("finished at"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING, verbose_name=_("status"))
    counts = models.JSONField(default=dict, blank=True, verbose_name=_("counts"))
    error = models.TextField(blank=True, verbose_name=_("error"))
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("started by"))

    class Meta:
        verbose_name = _("job run")
        verbose_name_plural = _("job runs")
        ordering = ["-started_at"]
        permissions = [("run_nightly_cycle", "Can run the nightly cycle on demand")]

    def __str__(self):
        return f"{self.job} {timezone.localtime(self.started_at):%Y-%m-%d %H:%M} {self.status}"

    @property
    def duration(self):
        return (self.finished_at - self.started_at) if self.finished_at else None
