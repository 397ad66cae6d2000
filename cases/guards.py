"""
The escalation ladder's guard rules.

Each guard is a small function named after the rule it checks, taking the case and
returning a GuardResult with the inputs it looked at, so the transition record (and the
button that is *not* shown) can say exactly which rule allowed or refused it. Every
number comes from the borrower's policy profile, never from code.

Wrapped in ``Guard`` they are django-fsm conditions (callables returning a bool).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from functools import update_wrapper

from django.utils import timezone
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class GuardResult:
    rule: str
    passed: bool
    explanation: str
    inputs: dict = field(default_factory=dict)


class Guard:
    """A django-fsm condition that can also explain itself."""

    def __init__(self, func):
        self.func = func
        self.rule = func.__name__
        update_wrapper(self, func)

    def __call__(self, case) -> bool:
        return self.evaluate(case).passed

    def evaluate(self, case) -> GuardResult:
        passed, explanation, inputs = self.func(case)
        return GuardResult(self.rule, bool(passed), explanation, inputs)


def guard(func) -> Guard:
    return Guard(func)


def _dpd_at_least(case, minimum_field: str, what: str):
    profile = case.policy_profile
    minimum = getattr(profile, minimum_field)
    dpd = case.account.days_past_due_on(timezone.localdate())
    return (
        dpd >= minimum,
        _("%(dpd)s days past due; %(what)s needs at least %(minimum)s (%(label)s).")
        % {"dpd": dpd, "what": what, "minimum": minimum, "label": profile.label},
        {"days_past_due": dpd, "minimum": minimum, "profile": profile.label},
    )


@guard
def reminder_dpd_reached(case):
    return _dpd_at_least(case, "reminder_min_dpd", _("reminders"))


@guard
def phone_dpd_reached(case):
    return _dpd_at_least(case, "phone_min_dpd", _("phone calls"))


@guard
def written_notice_dpd_reached(case):
    return _dpd_at_least(case, "written_notice_min_dpd", _("a written notice"))


def waived_by_exception(func):
    """Field-visit eligibility rules a supervisor's documented exception may waive: the
    approved exception visit is named in the record, and compliance reviews it."""

    def check(case):
        passed, explanation, inputs = func(case)
        if not passed and (visit := case.visit_exception()) is not None:
            return (
                True,
                _("Waived by documented exception (visit %(pk)s): %(explanation)s")
                % {"pk": visit.pk, "explanation": explanation},
                {**inputs, "waived_by_visit": visit.pk},
            )
        return passed, explanation, inputs

    check.__name__ = func.__name__
    return check


@guard
@waived_by_exception
def field_visit_dpd_reached(case):
    return _dpd_at_least(case, "field_visit_min_dpd", _("a field visit"))


@guard
def legal_dpd_reached(case):
    return _dpd_at_least(case, "legal_min_dpd", _("legal referral"))


@guard
@waived_by_exception
def field_visit_balance_reached(case):
    profile = case.policy_profile
    outstanding = case.account.outstanding_total
    minimum = profile.field_visit_min_outstanding
    return (
        outstanding >= minimum,
        _("Outstanding %(outstanding)s %(currency)s; a field visit needs at least %(minimum)s (%(label)s).")
        % {"outstanding": outstanding, "currency": case.account.currency, "minimum": minimum, "label": profile.label},
        {"outstanding": str(outstanding), "minimum": str(minimum), "profile": profile.label},
    )


@guard
@waived_by_exception
def has_failed_remote_contact(case):
    """Remote contact was tried and failed (or every contact point is known invalid).

    Failed attempts are counted from the contact log; until the contacts app records
    attempts, only the "every contact point invalid" branch can pass.
    """
    profile = case.policy_profile
    points = list(case.account.borrower.contact_points.all())
    all_invalid = bool(points) and all(point.is_invalid for point in points)
    failed_attempts, channels = case.failed_remote_attempts(days=profile.field_visit_attempt_window_days)
    enough_attempts = (
        failed_attempts >= profile.field_visit_min_failed_attempts
        and channels >= profile.field_visit_min_failed_channels
    )
    return (
        all_invalid or enough_attempts,
        _(
            "%(failed_attempts)s failed remote attempts over %(channels)s channels in the last %(field_visit_attempt_window_days)s days (needs %(field_visit_min_failed_attempts)s over %(field_visit_min_failed_channels)s); every contact point invalid: %(value)s."
        )
        % {
            "failed_attempts": failed_attempts,
            "channels": channels,
            "field_visit_attempt_window_days": profile.field_visit_attempt_window_days,
            "field_visit_min_failed_attempts": profile.field_visit_min_failed_attempts,
            "field_visit_min_failed_channels": profile.field_visit_min_failed_channels,
            "value": _("yes") if all_invalid else _("no"),
        },
        {
            "failed_attempts": failed_attempts,
            "channels": channels,
            "all_contact_points_invalid": all_invalid,
            "profile": profile.label,
        },
    )


@guard
def written_notice_sent(case):
    sent = case.written_notice_sent_at
    return (
        sent is not None,
        _("Written notice sent %(localtime)s.") % {"localtime": format(timezone.localtime(sent), "%Y-%m-%d %H:%M")}
        if sent
        else _("No written notice has been sent."),
        {"written_notice_sent_at": sent.isoformat() if sent else None},
    )


@guard
@waived_by_exception
def notice_lead_time_elapsed(case):
    profile = case.policy_profile
    sent = case.written_notice_sent_at
    needed = timedelta(days=profile.written_notice_lead_days)
    elapsed = timezone.now() - sent if sent else None
    return (
        elapsed is not None and elapsed >= needed,
        (
            _("Written notice sent %(days)s days ago; a field visit needs %(days2)s days' notice.")
            % {"days": elapsed.days, "days2": needed.days}
            if sent
            else _("No written notice has been sent.")
        ),
        {"days_since_notice": elapsed.days if sent else None, "minimum": needed.days, "profile": profile.label},
    )


@guard
def has_approved_field_visit(case):
    """A field visit approved by a supervisor other than its requester.

    The visits app supplies approvals; a case with no approved visit cannot climb.
    """
    approved = case.has_approved_field_visit()
    return (
        approved,
        _("An approved field visit exists.") if approved else _("No approved field visit for this case."),
        {"approved_field_visit": approved},
    )


@guard
def has_running_arrangement(case):
    running = case.has_running_arrangement()
    return (
        running,
        _("A promise to pay or repayment plan is running.") if running else _("No promise or plan is running."),
        {"running_arrangement": running},
    )


@guard
def no_running_arrangement(case):
    running = case.has_running_arrangement()
    return (
        not running,
        _("No promise or plan is running.")
        if not running
        else _("A promise to pay or repayment plan is still running."),
        {"running_arrangement": running},
    )


@guard
def has_active_hold(case):
    active = case.active_holds().exists()
    return (
        active,
        _("The case has an active hold.") if active else _("The case has no active hold."),
        {"active_hold": active},
    )


@guard
def no_active_hold(case):
    kinds = sorted(case.active_holds().values_list("kind", flat=True))
    return (
        not kinds,
        _("Holds still active: %(items)s.") % {"items": ", ".join(kinds)} if kinds else _("No hold is active."),
        {"active_holds": kinds},
    )


@guard
def balance_cleared(case):
    outstanding = case.account.outstanding_total
    return (
        outstanding <= 0,
        _("Outstanding %(outstanding)s %(currency)s.")
        % {"outstanding": outstanding, "currency": case.account.currency},
        {"outstanding": str(outstanding)},
    )
