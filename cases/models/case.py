"""
The collection case that works an overdue account, and what happened to it.

The case's escalation ladder is read top to bottom in ``CollectionCase``: the states,
then one method per transition with its guards (``cases/guards.py``) and permission.
State changes go through ``cases.services``; the FSM field is protected, so nothing
can set a state directly.
"""

from __future__ import annotations

from datetime import timedelta
from functools import cached_property

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import GET_STATE, ConcurrentTransitionMixin, FSMField, transition
from simple_history.models import HistoricalRecords

from policy.selectors import current_profile

from .. import guards
from .accounts import LoanAccount
from .arrangements import cases_with_running_arrangement


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
    CaseState.NEW,
    CaseState.REMINDER,
    CaseState.PHONE,
    CaseState.WRITTEN_NOTICE,
    CaseState.FIELD_VISIT,
    CaseState.LEGAL,
]
SIDE_STATES = [CaseState.ARRANGEMENT, CaseState.ON_HOLD]
CLOSED_STATES = [CaseState.RESOLVED, CaseState.WRITTEN_OFF]
OPEN_STATES = LADDER + SIDE_STATES
INDEX_ONLY = ["id", "account", "ladder_rung"]  # a collector's worklist reads just these (desk/sections.py)

# The guard that says whether a case's delinquency still calls for a rung.
RUNG_DPD_GUARDS = {
    CaseState.REMINDER: guards.reminder_dpd_reached,
    CaseState.PHONE: guards.phone_dpd_reached,
    CaseState.WRITTEN_NOTICE: guards.written_notice_dpd_reached,
    CaseState.FIELD_VISIT: guards.field_visit_dpd_reached,
    CaseState.LEGAL: guards.legal_dpd_reached,
}


def rung_called_for(case) -> str:
    """The rung a case returns to from a side state.

    The highest rung it had reached whose days-past-due threshold still holds: never
    above where it was (no rung is skipped), lower if payments reduced its delinquency.
    """
    reached = LADDER.index(case.ladder_rung)
    for rung in reversed(LADDER[1 : reached + 1]):
        if RUNG_DPD_GUARDS[rung](case):
            return rung
    return CaseState.NEW


def state_after_hold(case) -> str:
    return CaseState.ARRANGEMENT if case.has_running_arrangement() else rung_called_for(case)


class CaseQuerySet(models.QuerySet):
    def open(self):
        return self.exclude(state__in=CLOSED_STATES)

    def with_running_arrangement(self, today=None):
        """Cases with a pending promise not yet due or an active plan."""
        return self.filter(pk__in=cases_with_running_arrangement(self.values("pk"), today))


class CollectionCase(ConcurrentTransitionMixin, models.Model):
    account = models.ForeignKey(LoanAccount, on_delete=models.PROTECT, related_name="cases", verbose_name=_("account"))
    state = FSMField(
        default=CaseState.NEW, choices=CaseState.choices, protected=True, db_index=True, verbose_name=_("state")
    )
    ladder_rung = models.CharField(
        max_length=20,
        choices=[(s.value, s.label) for s in LADDER],
        default=CaseState.NEW,
        help_text=_("Highest rung reached; kept while the case is in a side state."),
        verbose_name=_("ladder rung"),
    )
    assigned_collector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_cases",
        limit_choices_to={"groups__name": "Collector", "is_active": True},
        verbose_name=_("assigned collector"),
    )
    opened_at = models.DateTimeField(default=timezone.now, verbose_name=_("opened at"))
    state_changed_at = models.DateTimeField(default=timezone.now, verbose_name=_("state changed at"))
    closed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("closed at"))
    written_notice_sent_at = models.DateTimeField(null=True, blank=True, verbose_name=_("written notice sent at"))

    history = HistoricalRecords()

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("collection case")
        verbose_name_plural = _("collection cases")
        ordering = ["-opened_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["account"], condition=~Q(state__in=CLOSED_STATES), name="one_open_case_per_account"
            )
        ]
        indexes = [
            models.Index(fields=["assigned_collector", "state"], include=INDEX_ONLY, name="case_collector_state"),
            # List by state: a rung's cases in account order, to merge with account_priority.
            models.Index(fields=["state", "account"], include=["id"], name="case_state_account"),
        ]
        permissions = [
            ("escalate_case", _("Can escalate a case one rung")),
            ("refer_to_legal", _("Can refer a case to legal action")),
            ("settle_case", _("Can close a case as settled")),
            ("write_off_case", _("Can write a case off")),
            ("assign_case", _("Can assign cases to collectors")),
            ("place_hold", _("Can place a hold on a case")),
            ("release_hold", _("Can release a hold")),
            ("approve_repayment_plan", _("Can approve repayment plans beyond policy")),
            ("view_full_national_id", _("Can see borrowers' national ID numbers unmasked")),
            ("view_full_contact_details", _("Can see borrowers' phone numbers and addresses unmasked")),
        ]

    def __str__(self):
        return _("Case %(number)s · %(loan)s") % {"number": self.pk, "loan": self.account.loan_number}

    # --- derived facts the guards read ------------------------------------------

    @cached_property
    def policy_profile(self):
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
        holds = self.holds.active()
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

    # The contact attempts and field visits below are read through the reverse relations
    # their own apps define (contacts.ContactAttempt.case, visits.FieldVisit.case), with
    # those apps' QuerySet methods: the rule is written once, where its data lives.

    def failed_remote_attempts(self, days: int) -> tuple[int, int]:
        """(failed remote attempts, distinct channels) in the last ``days``: contacts that
        went out (calls, messages, letters) without reaching the borrower."""
        counted = self.contact_attempts.failed_remote(since=timezone.now() - timedelta(days=days))
        totals = counted.aggregate(attempts=models.Count("pk"), channels=models.Count("channel", distinct=True))
        return totals["attempts"], totals["channels"]

    def has_approved_field_visit(self) -> bool:
        """A visit approved (by someone other than its requester) and still to happen."""
        return self.field_visits.live().exists()

    def latest_forbearance_assessment(self):
        """The most recent forbearance assessment, or None."""
        return self.forbearance_assessments.order_by("-assessed_at", "-pk").first()

    def visit_exception(self):
        """The live visit approved as a documented exception to eligibility, if any."""
        return self.field_visits.live().filter(exception=True).first()

    # --- the escalation ladder ---------------------------------------------------

    @transition(
        field=state,
        source=CaseState.NEW,
        target=CaseState.REMINDER,
        conditions=[guards.reminder_dpd_reached],
        permission="cases.escalate_case",
        custom={"label": _("Start reminders")},
    )
    def start_reminders(self):
        self.ladder_rung = CaseState.REMINDER

    @transition(
        field=state,
        source=CaseState.REMINDER,
        target=CaseState.PHONE,
        conditions=[guards.phone_dpd_reached],
        permission="cases.escalate_case",
        custom={"label": _("Escalate to phone calls")},
    )
    def escalate_to_phone(self):
        self.ladder_rung = CaseState.PHONE

    @transition(
        field=state,
        source=CaseState.PHONE,
        target=CaseState.WRITTEN_NOTICE,
        conditions=[guards.written_notice_dpd_reached],
        permission="cases.escalate_case",
        custom={"label": _("Escalate to written notice")},
    )
    def escalate_to_written_notice(self):
        self.ladder_rung = CaseState.WRITTEN_NOTICE

    @transition(
        field=state,
        source=CaseState.WRITTEN_NOTICE,
        target=CaseState.FIELD_VISIT,
        conditions=[
            guards.field_visit_dpd_reached,
            guards.field_visit_balance_reached,
            guards.has_failed_remote_contact,
            guards.notice_lead_time_elapsed,
            guards.has_approved_field_visit,
        ],
        permission="cases.escalate_case",
        custom={"label": _("Escalate to field visit")},
    )
    def escalate_to_field_visit(self):
        self.ladder_rung = CaseState.FIELD_VISIT

    @transition(
        field=state,
        source=CaseState.FIELD_VISIT,
        target=CaseState.LEGAL,
        conditions=[
            guards.legal_dpd_reached,
            guards.written_notice_sent,
            guards.forbearance_assessed,
            guards.not_time_barred,
        ],
        permission="cases.refer_to_legal",
        custom={"label": _("Refer to legal"), "form": "cases.forms.TransitionReasonForm"},
    )
    def refer_to_legal(self):
        self.ladder_rung = CaseState.LEGAL

    # --- side states: entered and left by the services, never by a person -------
    # (custom admin False: no button, and services.apply_transition refuses them from anyone)

    @transition(
        field=state,
        source=LADDER,
        target=CaseState.ARRANGEMENT,
        conditions=[guards.has_running_arrangement],
        custom={"admin": False, "label": _("Start the arrangement")},
    )
    def start_arrangement(self):
        pass

    @transition(
        field=state,
        source=CaseState.ARRANGEMENT,
        target=GET_STATE(rung_called_for, states=LADDER),
        conditions=[guards.no_running_arrangement],
        custom={"admin": False, "label": _("End the arrangement")},
    )
    def end_arrangement(self):
        pass

    @transition(
        field=state,
        source=LADDER + [CaseState.ARRANGEMENT],
        target=CaseState.ON_HOLD,
        conditions=[guards.has_active_hold],
        custom={"admin": False, "label": _("Put on hold")},
    )
    def put_on_hold(self):
        pass

    @transition(
        field=state,
        source=CaseState.ON_HOLD,
        target=GET_STATE(state_after_hold, states=LADDER + [CaseState.ARRANGEMENT]),
        conditions=[guards.no_active_hold],
        custom={"admin": False, "label": _("Release from hold")},
    )
    def release_from_hold(self):
        pass

    # --- terminal states: nothing leaves them ------------------------------------

    @transition(
        field=state,
        source=OPEN_STATES,
        target=CaseState.RESOLVED,
        conditions=[guards.balance_cleared],
        custom={"admin": False, "label": _("Resolve as paid")},
    )
    def resolve(self):
        self.closed_at = timezone.now()

    @transition(
        field=state,
        source=OPEN_STATES,
        target=CaseState.RESOLVED,
        permission="cases.settle_case",
        custom={"label": _("Close as settled"), "form": "cases.forms.TransitionReasonForm"},
    )
    def settle(self):
        self.closed_at = timezone.now()

    @transition(
        field=state,
        source=OPEN_STATES,
        target=CaseState.WRITTEN_OFF,
        permission="cases.write_off_case",
        custom={"label": _("Write off"), "form": "cases.forms.TransitionReasonForm"},
    )
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

    What happened is kept as meaning, not as a sentence: ``code`` and ``params`` (and each
    guard's rule and inputs in ``rules``), written into a sentence in the reader's language
    when the event is read (cases/event_text.py). ``reason`` holds only what a person typed.

    Append-only: written by the services, never edited; each row is sealed in the audit
    ledger as it is written.
    """

    ledger_sealed = True

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
        FORBEARANCE = "forbearance", _("Forbearance assessment")
        ACKNOWLEDGEMENT = "acknowledgement", _("Acknowledgement of the debt")
        CHARGE = "charge", _("Default charge")
        CALLBACK = "callback", _("Callback")

    case = models.ForeignKey(CollectionCase, on_delete=models.PROTECT, related_name="events", verbose_name=_("case"))
    at = models.DateTimeField(default=timezone.now, db_index=True, verbose_name=_("at"))
    kind = models.CharField(max_length=20, choices=Kind.choices, verbose_name=_("kind"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty when the system acted (nightly cycle, payment feed)."),
        verbose_name=_("actor"),
    )
    transition = models.CharField(max_length=50, blank=True, verbose_name=_("transition"))
    from_state = models.CharField(max_length=20, blank=True, verbose_name=_("from state"))
    to_state = models.CharField(max_length=20, blank=True, verbose_name=_("to state"))
    # A database default too (as JobRun.details), so rows written by code that predates
    # the columns, or loaded in bulk, still insert.
    code = models.CharField(
        max_length=40,
        blank=True,
        default="",
        db_default="",
        help_text=_("What happened, as a stable code; the sentence is written in the reader's language."),
        verbose_name=_("code"),
    )
    params = models.JSONField(
        default=dict,
        db_default=models.Value({}, output_field=models.JSONField()),
        blank=True,
        help_text=_("The code's parameters: amounts, dates, states, usernames."),
        verbose_name=_("parameters"),
    )
    reason = models.TextField(
        blank=True,
        help_text=_("What a person typed (a reason, a note), shown as written; older events' whole sentence."),
        verbose_name=_("reason"),
    )
    rules = models.JSONField(
        default=list,
        blank=True,
        help_text=_("Each guard checked: rule, passed, inputs (and, for older events, the explanation then)."),
        verbose_name=_("rules"),
    )
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
