"""
Field visits: the rung the lender's practice guards most. A visit is requested with an
eligibility snapshot, approved by a supervisor who did not request it, announced to the
borrower in advance, carried out by at least the profile's number of agents inside the
announced window, reported step by step, and verifiable by the borrower at /verify/.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from simple_history.models import HistoricalRecords

from core.uploads import DOCUMENTS, IMAGES, ProtectedFileField, RandomName
from policy.codes import VisitOutcome

from . import guards

# Unambiguous characters (no 0/O, 1/I/L): read aloud at a door and typed on a phone.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10  # 31^10 ≈ 8·10^14: unguessable at the verify page's rate limit


def new_verification_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


class FieldAgent(models.Model):
    """A person who may be sent on visits: own staff or a field partner's, with the badge
    the borrower can check."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="field_agent", verbose_name=_("user")
    )
    badge_number = models.CharField(max_length=30, unique=True, verbose_name=_("badge number"))
    partner = models.CharField(
        max_length=100,
        blank=True,
        help_text=_("Field partner company; empty for own staff."),
        verbose_name=_("partner"),
    )
    regions = models.CharField(
        max_length=300,
        help_text=_("Regions covered, comma-separated (e.g. Shanghai, Beijing)."),
        verbose_name=_("regions"),
    )
    photo = ProtectedFileField(
        upload_to=RandomName("agent-photos"),
        kinds=IMAGES,
        limit="agent_photo",
        download_url="visits:agent_file",
        blank=True,
        verbose_name=_("photo"),
    )
    active = models.BooleanField(default=True, verbose_name=_("active"))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("field agent")
        verbose_name_plural = _("field agents")
        ordering = ["badge_number"]

    def __str__(self):
        return f"{self.user.get_full_name() or self.user.get_username()} ({self.badge_number})"

    @property
    def display_name(self) -> str:
        return self.user.get_full_name() or self.user.get_username()

    def covers(self, region: str) -> bool:
        return region.strip().lower() in {r.strip().lower() for r in self.regions.split(",") if r.strip()}


class VisitState(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    NOTIFIED = "notified", _("Borrower notified")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")
    ABORTED = "aborted", _("Aborted")
    CANCELLED = "cancelled", _("Cancelled")


# States in which a visit is approved and still to happen (or happening).
LIVE_STATES = [VisitState.APPROVED, VisitState.NOTIFIED, VisitState.IN_PROGRESS]
# States that count toward the profile's visits-per-30-days limit.
COUNTED_STATES = [VisitState.REQUESTED, *LIVE_STATES, VisitState.COMPLETED, VisitState.ABORTED]


def _approver_may_decide(visit, user) -> bool:
    """Approval needs the permission and a second person: never the requester."""
    return user.has_perm("visits.approve_fieldvisit") and user.pk != visit.requested_by_id


class FieldVisitQuerySet(models.QuerySet):
    def live(self):
        """Approved (by someone other than the requester) and still to happen or under way."""
        return self.filter(state__in=LIVE_STATES)

    def cancellable(self):
        """Not yet carried out: requested, approved or announced."""
        return self.filter(state__in=[VisitState.REQUESTED, VisitState.APPROVED, VisitState.NOTIFIED])


class NoLocation(models.TextChoices):
    """Why a check-in carries no position (the browser's own answer, or ours)."""

    DENIED = "denied", _("The agent did not allow the position to be taken")
    UNAVAILABLE = "unavailable", _("The phone could not find its position")
    TIMEOUT = "timeout", _("The phone took too long to find its position")
    UNSUPPORTED = "unsupported", _("The browser cannot give a position")
    NOT_SENT = "not_sent", _("No position was sent (the page's script did not run)")


class FieldVisit(ConcurrentTransitionMixin, models.Model):
    class Willingness(models.TextChoices):
        WILLING = "willing", _("Willing to pay")
        PARTLY = "partly", _("Partly willing")
        UNWILLING = "unwilling", _("Unwilling to pay")

    class Ability(models.TextChoices):
        ABLE = "able", _("Able to pay")
        PARTLY = "partly", _("Partly able")
        UNABLE = "unable", _("Unable to pay now")

    case = models.ForeignKey(
        "cases.CollectionCase", on_delete=models.PROTECT, related_name="field_visits", verbose_name=_("case")
    )
    state = FSMField(
        default=VisitState.REQUESTED, choices=VisitState.choices, protected=True, db_index=True, verbose_name=_("state")
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    requested_at = models.DateTimeField(default=timezone.now, verbose_name=_("requested at"))
    reason = models.TextField(verbose_name=_("reason"))
    eligibility = models.JSONField(
        default=dict,
        help_text=_(
            "What held when it was requested: DPD, balance, "
            "failed remote attempts by channel, invalid points, notice date, coverage."
        ),
        verbose_name=_("eligibility"),
    )
    exception = models.BooleanField(
        default=False, help_text=_("Requested although eligibility failed (documented)."), verbose_name=_("exception")
    )
    exception_reason = models.TextField(blank=True, verbose_name=_("exception reason"))
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("approver"),
    )
    decided_at = models.DateTimeField(null=True, blank=True, verbose_name=_("decided at"))
    decision_note = models.TextField(blank=True, verbose_name=_("decision note"))
    window_start = models.DateTimeField(verbose_name=_("window start"))
    window_end = models.DateTimeField(verbose_name=_("window end"))
    address = models.TextField(verbose_name=_("address"))
    agents = models.ManyToManyField(FieldAgent, related_name="visits", blank=True, verbose_name=_("agents"))
    notice_sent_at = models.DateTimeField(null=True, blank=True, verbose_name=_("notice sent at"))
    notice_channels = models.CharField(max_length=40, blank=True, verbose_name=_("notice channels"))
    checked_in_at = models.DateTimeField(null=True, blank=True, verbose_name=_("checked in at"))
    checked_out_at = models.DateTimeField(null=True, blank=True, verbose_name=_("checked out at"))
    check_in_latitude = models.DecimalField(
        max_digits=9, decimal_places=6, null=True, blank=True, verbose_name=_("check in latitude")
    )
    check_in_longitude = models.DecimalField(
        max_digits=9, decimal_places=6, null=True, blank=True, verbose_name=_("check in longitude")
    )
    # Check-in evidence: the phone's position (with the agent's consent) and when it was
    # taken, or why there is none; an optional photo; the distance from the address when
    # the address has coordinates, and a flag for the supervisor when it is far.
    check_in_accuracy_m = models.PositiveIntegerField(
        null=True, blank=True, verbose_name=_("check-in position accuracy (m)")
    )
    check_in_located_at = models.DateTimeField(null=True, blank=True, verbose_name=_("check-in position taken at"))
    check_in_no_location = models.CharField(
        max_length=12, choices=NoLocation.choices, blank=True, verbose_name=_("check-in position missing because")
    )
    check_in_photo = ProtectedFileField(
        upload_to=RandomName("visit-photos"),
        kinds=IMAGES,
        limit="visit_photo",
        download_url="visits:file",
        blank=True,
        verbose_name=_("check-in photo"),
    )
    check_in_distance_m = models.PositiveIntegerField(
        null=True, blank=True, verbose_name=_("check-in distance from the address (m)")
    )
    check_in_far = models.BooleanField(
        default=False,
        help_text=_("Checked in farther from the address than the profile allows: for the supervisor to look at."),
        verbose_name=_("checked in far from the address"),
    )
    address_latitude = models.DecimalField(
        max_digits=9, decimal_places=6, null=True, blank=True, verbose_name=_("address latitude")
    )
    address_longitude = models.DecimalField(
        max_digits=9, decimal_places=6, null=True, blank=True, verbose_name=_("address longitude")
    )
    verification_code = models.CharField(
        max_length=CODE_LENGTH, unique=True, default=new_verification_code, verbose_name=_("verification code")
    )
    # The report, in the lender's own steps
    outcome = models.CharField(max_length=20, choices=VisitOutcome.choices, blank=True, verbose_name=_("outcome"))
    identity_verified = models.BooleanField(default=False, verbose_name=_("identity verified"))
    identity_method = models.CharField(
        max_length=200, blank=True, help_text=_("How: ID card seen, face match…"), verbose_name=_("identity method")
    )
    willingness = models.CharField(
        max_length=10, choices=Willingness.choices, blank=True, verbose_name=_("willingness")
    )
    ability = models.CharField(max_length=10, choices=Ability.choices, blank=True, verbose_name=_("ability"))
    promise = models.ForeignKey(
        "cases.PromiseToPay",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("promise"),
    )
    plan = models.ForeignKey(
        "cases.RepaymentPlan", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("plan")
    )
    agreement_file = ProtectedFileField(
        upload_to=RandomName("visit-agreements"),
        kinds=DOCUMENTS,
        limit="visit_agreement",
        download_url="visits:file",
        blank=True,
        verbose_name=_("agreement file"),
    )
    receipt_file = ProtectedFileField(
        upload_to=RandomName("visit-receipts"),
        kinds=DOCUMENTS,
        limit="visit_receipt",
        download_url="visits:file",
        blank=True,
        verbose_name=_("receipt file"),
    )
    payment_reference = models.CharField(
        max_length=64, blank=True, help_text=_("If paid on the spot."), verbose_name=_("payment reference")
    )
    next_steps = models.TextField(
        blank=True, help_text=_("What the borrower was told happens next."), verbose_name=_("next steps")
    )
    conduct_attested = models.BooleanField(
        default=False,
        help_text=_("The agent attests the visit was polite and lawful."),
        verbose_name=_("conduct attested"),
    )
    report_note = models.TextField(blank=True, verbose_name=_("report note"))
    end_reason = models.TextField(
        blank=True, help_text=_("Why it was rejected, aborted or cancelled."), verbose_name=_("end reason")
    )
    attempt = models.OneToOneField(
        "contacts.ContactAttempt",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="field_visit",
        verbose_name=_("attempt"),
    )

    history = HistoricalRecords(m2m_fields=[agents])

    objects = FieldVisitQuerySet.as_manager()

    class Meta:
        verbose_name = _("field visit")
        verbose_name_plural = _("field visits")
        ordering = ["-requested_at"]
        indexes = [models.Index(fields=["case", "state"], name="visit_case_state")]
        permissions = [
            ("approve_fieldvisit", _("Can approve or reject field visits")),
            ("request_visit_exception", _("Can request a field visit as a documented exception")),
            ("carry_out_fieldvisit", _("Can check in to and report field visits")),
        ]

    def __str__(self):
        return _("Visit %(pk)s · case %(case)s (%(state)s)") % {
            "pk": self.pk,
            "case": self.case_id,
            "state": self.get_state_display(),
        }

    @property
    def profile(self):
        return self.case.policy_profile

    @property
    def is_open(self) -> bool:
        return self.state in (VisitState.REQUESTED, *LIVE_STATES)

    def missing_report_items(self) -> list[str]:
        """What the report still lacks for its outcome, in the reader's language (the
        dossier and the report-complete guard show it)."""
        from .report_rules import missing_items

        return missing_items(self)

    # --- the state machine ---------------------------------------------------------

    @transition(
        field=state,
        source=VisitState.REQUESTED,
        target=VisitState.APPROVED,
        conditions=[guards.window_leaves_time_for_notice, guards.enough_agents_assigned],
        permission=_approver_may_decide,
    )
    def approve(self):
        pass

    @transition(field=state, source=VisitState.REQUESTED, target=VisitState.REJECTED, permission=_approver_may_decide)
    def reject(self):
        pass

    @transition(
        field=state, source=VisitState.APPROVED, target=VisitState.NOTIFIED, conditions=[guards.notice_sent_in_time]
    )
    def mark_notified(self):
        pass

    @transition(
        field=state,
        source=VisitState.NOTIFIED,
        target=VisitState.IN_PROGRESS,
        conditions=[
            guards.notice_sent_in_time,
            guards.inside_visit_window,
            guards.enough_agents_assigned,
            guards.contact_allowed_now,
        ],
        permission="visits.carry_out_fieldvisit",
    )
    def check_in(self):
        self.checked_in_at = timezone.now()

    @transition(
        field=state,
        source=VisitState.IN_PROGRESS,
        target=VisitState.COMPLETED,
        conditions=[guards.report_complete],
        permission="visits.carry_out_fieldvisit",
    )
    def complete(self):
        self.checked_out_at = timezone.now()

    @transition(
        field=state, source=VisitState.IN_PROGRESS, target=VisitState.ABORTED, permission="visits.carry_out_fieldvisit"
    )
    def abort(self):
        self.checked_out_at = timezone.now()

    @transition(
        field=state,
        source=[VisitState.REQUESTED, VisitState.APPROVED, VisitState.NOTIFIED],
        target=VisitState.CANCELLED,
    )
    def cancel(self):
        pass


class VisitNotice(models.Model):
    """One message that tells the borrower of a visit: the notice announcing it, or the
    one saying it is off. The outbox sends the message; this row says which visit it is
    about, so the notices job and a cancellation find a visit's messages by key, not by
    reading the message's idempotency key."""

    class Kind(models.TextChoices):
        ANNOUNCEMENT = "announcement", _("Visit announced")
        CANCELLATION = "cancellation", _("Visit called off")

    visit = models.ForeignKey(FieldVisit, on_delete=models.PROTECT, related_name="notices", verbose_name=_("visit"))
    message = models.OneToOneField(
        "contacts.OutboundMessage", on_delete=models.PROTECT, related_name="visit_notice", verbose_name=_("message")
    )
    kind = models.CharField(max_length=16, choices=Kind.choices, verbose_name=_("kind"))

    class Meta:
        verbose_name = _("visit notice")
        verbose_name_plural = _("visit notices")
        indexes = [models.Index(fields=["visit", "kind"], name="visitnotice_visit_kind")]

    def __str__(self):
        return _("%(kind)s · visit %(visit)s") % {"kind": self.get_kind_display(), "visit": self.visit_id}


class VerifyCounter(models.Model):
    """One /verify/ throttle counter (wrong codes from one address, or lookups of one code),
    kept here only while the cache is unreachable, so guessing codes stays slow when Redis
    is down (visits/throttle.py). ``key`` is a digest: no address or code is stored."""

    key = models.CharField(max_length=80, unique=True, verbose_name=_("key"))
    count = models.PositiveIntegerField(default=0, verbose_name=_("count"))
    expires_at = models.DateTimeField(db_index=True, verbose_name=_("expires at"))

    class Meta:
        verbose_name = _("verification throttle counter")
        verbose_name_plural = _("verification throttle counters")

    def __str__(self):
        return f"{self.key}: {self.count}"


# The report as the agent types it (visits/draft_models.py).
from .draft_models import VisitReportDraft  # noqa: E402, F401
