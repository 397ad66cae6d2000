"""
The escalation ladder's guard rules.

Each guard is a small function named after the rule it checks, taking the case and
returning whether it holds and the inputs it looked at, so the transition record (and the
button that is *not* shown) can say exactly which rule allowed or refused it. Every
number comes from the borrower's policy profile, never from code.

The sentence that explains a result is not composed here: cases/guard_text.py writes it
from the rule and its inputs, in the language of whoever reads it — now, for the live
"why is this button not shown", or years later from the case event's record.

Wrapped in ``Guard`` they are django-fsm conditions (callables returning a bool).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from functools import update_wrapper

from django.utils import timezone

from .guard_text import explain


@dataclass(frozen=True)
class GuardResult:
    rule: str
    passed: bool
    inputs: dict = field(default_factory=dict)
    # A sentence the guard worded itself when it checked (the field-visit guards, whose
    # results are shown at once and never stored); otherwise written from the inputs.
    worded: str = ""

    @property
    def explanation(self) -> str:
        """Why it passed or failed, in the current language."""
        return self.worded or explain(self.rule, self.passed, self.inputs) or ""

    def record(self) -> dict:
        """What a case event keeps of the result: rule, outcome, inputs (no sentence: it is
        written again in each reader's language, cases/guard_text.py)."""
        return {"rule": self.rule, "passed": self.passed, "inputs": self.inputs}


class Guard:
    """A django-fsm condition that can also explain itself."""

    def __init__(self, func):
        self.func = func
        self.rule = func.__name__
        update_wrapper(self, func)

    def __call__(self, case) -> bool:
        return self.evaluate(case).passed

    def evaluate(self, case) -> GuardResult:
        outcome = self.func(case)
        if len(outcome) == 3:  # (passed, sentence, inputs): a guard that words its own result
            passed, worded, inputs = outcome
            return GuardResult(self.rule, bool(passed), inputs, worded)
        passed, inputs = outcome
        return GuardResult(self.rule, bool(passed), inputs)


def guard(func) -> Guard:
    return Guard(func)


def _dpd_at_least(case, minimum_field: str):
    profile = case.policy_profile
    minimum = getattr(profile, minimum_field)
    dpd = case.account.days_past_due_on(timezone.localdate())
    return dpd >= minimum, {"days_past_due": dpd, "minimum": minimum, "profile": profile.label}


@guard
def reminder_dpd_reached(case):
    return _dpd_at_least(case, "reminder_min_dpd")


@guard
def phone_dpd_reached(case):
    return _dpd_at_least(case, "phone_min_dpd")


@guard
def written_notice_dpd_reached(case):
    return _dpd_at_least(case, "written_notice_min_dpd")


def waived_by_exception(func):
    """Field-visit eligibility rules a supervisor's documented exception may waive: the
    approved exception visit is named in the record, and compliance reviews it."""

    def check(case):
        passed, inputs = func(case)
        if not passed and (visit := case.visit_exception()) is not None:
            return True, {**inputs, "waived_by_visit": visit.pk}
        return passed, inputs

    check.__name__ = func.__name__
    return check


@guard
@waived_by_exception
def field_visit_dpd_reached(case):
    return _dpd_at_least(case, "field_visit_min_dpd")


@guard
def legal_dpd_reached(case):
    return _dpd_at_least(case, "legal_min_dpd")


@guard
@waived_by_exception
def field_visit_balance_reached(case):
    profile = case.policy_profile
    outstanding = case.account.outstanding_total
    minimum = profile.field_visit_min_outstanding
    return (
        outstanding >= minimum,
        {
            "outstanding": str(outstanding),
            "minimum": str(minimum),
            "currency": case.account.currency,
            "profile": profile.label,
        },
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
        {
            "failed_attempts": failed_attempts,
            "channels": channels,
            "all_contact_points_invalid": all_invalid,
            # The profile's numbers the counts were held against, so the record reads whole.
            "window_days": profile.field_visit_attempt_window_days,
            "min_attempts": profile.field_visit_min_failed_attempts,
            "min_channels": profile.field_visit_min_failed_channels,
            "profile": profile.label,
        },
    )


@guard
def written_notice_sent(case):
    sent = case.written_notice_sent_at
    return sent is not None, {"written_notice_sent_at": sent.isoformat() if sent else None}


@guard
@waived_by_exception
def notice_lead_time_elapsed(case):
    profile = case.policy_profile
    sent = case.written_notice_sent_at
    needed = timedelta(days=profile.written_notice_lead_days)
    elapsed = timezone.now() - sent if sent else None
    return (
        elapsed is not None and elapsed >= needed,
        {"days_since_notice": elapsed.days if sent else None, "minimum": needed.days, "profile": profile.label},
    )


@guard
def has_approved_field_visit(case):
    """A field visit approved by a supervisor other than its requester.

    The visits app supplies approvals; a case with no approved visit cannot climb.
    """
    approved = case.has_approved_field_visit()
    return approved, {"approved_field_visit": approved}


@guard
def forbearance_assessed(case):
    """EU CCD2 art. 35 / FCA PS24/2: no enforcement before forbearance was considered. A
    profile that requires it needs an assessment recorded in its window (calendar days,
    site-local: one assessed 90 days ago passes a 90-day window, 91 days ago does not)."""
    profile = case.policy_profile
    if not profile.forbearance_before_legal:
        return True, {"required": False, "profile": profile.label}
    latest = case.latest_forbearance_assessment()
    assessed_on = timezone.localdate(latest.assessed_at) if latest is not None else None
    age = (timezone.localdate() - assessed_on).days if assessed_on is not None else None
    return (
        age is not None and age <= profile.forbearance_window_days,
        {
            "required": True,
            "assessed_on": assessed_on.isoformat() if assessed_on else None,
            "window_days": profile.forbearance_window_days,
            "profile": profile.label,
        },
    )


@guard
def not_time_barred(case):
    """Reg F 1006.26(b) and the limitation acts: no suit on a time-barred debt."""
    profile = case.policy_profile
    limitation = case.account.limitation(profile)
    if limitation is None:
        return True, {"limitation_date": None, "profile": profile.label}
    return (
        not case.account.time_barred_on(timezone.localdate(), profile),
        {"limitation_date": limitation.on.isoformat(), "profile": profile.label},
    )


@guard
def has_running_arrangement(case):
    running = case.has_running_arrangement()
    return running, {"running_arrangement": running}


@guard
def no_running_arrangement(case):
    running = case.has_running_arrangement()
    return not running, {"running_arrangement": running}


@guard
def has_active_hold(case):
    active = case.active_holds().exists()
    return active, {"active_hold": active}


@guard
def no_active_hold(case):
    kinds = sorted(case.active_holds().values_list("kind", flat=True))
    return not kinds, {"active_holds": kinds}


@guard
def balance_cleared(case):
    outstanding = case.account.outstanding_total
    return outstanding <= 0, {"outstanding": str(outstanding), "currency": case.account.currency}
