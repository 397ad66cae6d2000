"""
What a case event says, in the language of whoever reads it.

A service records *what happened* as a code and its parameters (``CaseEvent.code``,
``CaseEvent.params``): amounts as text with their currency, instants and dates in ISO,
states, hold kinds and channels as their codes, people by username. The sentence is
written here when the event is read, in the reader's language: money the staff pages' way
(core.money), instants in the reader's local style, states, hold kinds and channels by
their labels. So a Chinese collector and an English reviewer read one record each in their
own language, and nothing written while one language was active shows up in it for the
other.

What a *person* typed (an administrator's reason for a transition, a hold note, why a
visit was rejected) is kept in ``CaseEvent.reason`` and shown as written, in whatever
language it was typed, after the sentence. An event without a code (written before codes
existed, or whose old sentence no pattern recognised) shows its ``reason`` as it was.

Adding an event is adding a code to ``EventCode`` and its sentence to ``SENTENCES``.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext_lazy, pgettext, pgettext_lazy

from core.when import local_datetime
from policy.codes import Channel, ProfileCode, VisitOutcome

from .guard_text import moment, money, rule_lines, then
from .plan_text import reason_sentences


class EventCode(StrEnum):
    # the case itself
    OPENED = "opened"
    OPENED_BY_NIGHTLY_CYCLE = "opened_by_nightly_cycle"
    OPENED_BY_FEED = "opened_by_feed"
    ASSIGNED = "assigned"
    ALLOCATED_BY_RULE = "allocated_by_rule"
    NOTICE_SENT = "notice_sent"
    # money and arrangements
    PAYMENT = "payment"
    PROMISE_RECORDED = "promise_recorded"
    PLAN_AGREED = "plan_agreed"
    PLAN_PROPOSED = "plan_proposed"
    PLAN_APPROVED = "plan_approved"
    PLAN_REJECTED = "plan_rejected"
    ARRANGEMENT_BROKEN = "arrangement_broken"
    # holds
    HOLD_PLACED = "hold_placed"
    HOLD_RELEASED = "hold_released"
    HOLD_EXPIRED = "hold_expired"
    # why the system moved the case (transition events)
    ESCALATED_BY_NIGHTLY_CYCLE = "escalated_by_nightly_cycle"
    RESOLVED_BY_NIGHTLY_CYCLE = "resolved_by_nightly_cycle"
    RELEASED_HOLD_EXPIRED = "released_hold_expired"
    AFTER_PROMISE = "after_promise"
    AFTER_PLAN_AGREED = "after_plan_agreed"
    AFTER_PLAN_APPROVED = "after_plan_approved"
    AFTER_HOLD_PLACED = "after_hold_placed"
    AFTER_HOLD_RELEASED = "after_hold_released"
    PAID_IN_FULL = "paid_in_full"
    ARRANGEMENT_FULFILLED = "arrangement_fulfilled"
    AFTER_VISIT_APPROVED = "after_visit_approved"
    # field visits (written by the visits app)
    VISIT_REQUESTED = "visit_requested"
    VISIT_REQUESTED_AS_EXCEPTION = "visit_requested_as_exception"
    VISIT_APPROVED = "visit_approved"
    VISIT_REJECTED = "visit_rejected"
    VISIT_NOTICE_QUEUED = "visit_notice_queued"
    VISIT_NOTIFIED = "visit_notified"
    VISIT_CHECKED_IN = "visit_checked_in"
    VISIT_COMPLETED = "visit_completed"
    VISIT_CHECKED_IN_FAR = "visit_checked_in_far"
    VISIT_REPORTED = "visit_reported"
    VISIT_ABORTED = "visit_aborted"
    VISIT_CANCELLED = "visit_cancelled"
    VISIT_NOTICE_TOO_LATE = "visit_notice_too_late"
    VISIT_CASE_STOPPED = "visit_case_stopped"
    # before enforcement
    FORBEARANCE_ASSESSED = "forbearance_assessed"
    DEBT_ACKNOWLEDGED = "debt_acknowledged"
    DEFAULT_CHARGE_POSTED = "default_charge_posted"
    # callbacks (written by the contacts app)
    CALLBACK_SCHEDULED = "callback_scheduled"


SENTENCES = {
    EventCode.OPENED: ngettext_lazy(
        "Case opened: %(days_past_due)s day past due.", "Case opened: %(days_past_due)s days past due.", "days_past_due"
    ),
    EventCode.OPENED_BY_NIGHTLY_CYCLE: gettext_lazy("Opened by the nightly cycle: the account is overdue."),
    EventCode.OPENED_BY_FEED: gettext_lazy("Opened as the loan system reported the account overdue."),
    EventCode.ASSIGNED: gettext_lazy("Assigned from %(previous)s to %(collector)s."),
    EventCode.ALLOCATED_BY_RULE: ngettext_lazy(
        "Allocated to %(collector)s by the allocation rule: the least loaded (%(load)s open case before) of the "
        "collectors who take this borrower's language (%(language)s), region (%(region)s) and policy profile "
        "(%(profile)s).",
        "Allocated to %(collector)s by the allocation rule: the least loaded (%(load)s open cases before) of the "
        "collectors who take this borrower's language (%(language)s), region (%(region)s) and policy profile "
        "(%(profile)s).",
        "load",
    ),
    EventCode.NOTICE_SENT: gettext_lazy("Written notice sent (%(sent_at)s)."),
    EventCode.PAYMENT: gettext_lazy(
        "Payment of %(amount)s (reference %(reference)s); %(outstanding)s outstanding now."
    ),
    EventCode.PROMISE_RECORDED: gettext_lazy("Promise to pay %(amount)s by %(due_date)s."),
    EventCode.PLAN_AGREED: ngettext_lazy(
        "Repayment plan agreed: %(count)s instalment, %(total)s in all.",
        "Repayment plan agreed: %(count)s instalments, %(total)s in all.",
        "count",
    ),
    EventCode.PLAN_PROPOSED: ngettext_lazy(
        "Repayment plan proposed: %(count)s instalment, %(total)s in all; awaiting a supervisor's approval.",
        "Repayment plan proposed: %(count)s instalments, %(total)s in all; awaiting a supervisor's approval.",
        "count",
    ),
    EventCode.PLAN_APPROVED: gettext_lazy("Repayment plan %(plan)s approved."),
    EventCode.PLAN_REJECTED: gettext_lazy("Repayment plan %(plan)s rejected."),
    EventCode.ARRANGEMENT_BROKEN: gettext_lazy("A promise or plan was broken."),
    EventCode.HOLD_PLACED: gettext_lazy("Hold placed: %(kind)s."),
    EventCode.HOLD_RELEASED: gettext_lazy("Hold released: %(kind)s."),
    EventCode.HOLD_EXPIRED: gettext_lazy("Hold ended on its end date: %(kind)s."),
    EventCode.ESCALATED_BY_NIGHTLY_CYCLE: gettext_lazy("Escalated by the nightly cycle."),
    EventCode.RESOLVED_BY_NIGHTLY_CYCLE: gettext_lazy("Resolved by the nightly cycle: the balance is paid."),
    EventCode.RELEASED_HOLD_EXPIRED: gettext_lazy("The hold ended on its end date."),
    EventCode.AFTER_PROMISE: gettext_lazy("Promise to pay recorded by %(username)s."),
    EventCode.AFTER_PLAN_AGREED: gettext_lazy("Repayment plan agreed by %(username)s."),
    EventCode.AFTER_PLAN_APPROVED: gettext_lazy("Repayment plan approved by %(username)s."),
    EventCode.AFTER_HOLD_PLACED: gettext_lazy("Hold placed by %(username)s: %(kind)s."),
    EventCode.AFTER_HOLD_RELEASED: gettext_lazy("Hold released by %(username)s: %(kind)s."),
    EventCode.PAID_IN_FULL: gettext_lazy("Paid in full by payment %(reference)s."),
    EventCode.ARRANGEMENT_FULFILLED: gettext_lazy("Arrangement fulfilled by payment %(reference)s."),
    EventCode.AFTER_VISIT_APPROVED: gettext_lazy("Field visit %(visit)s approved by %(username)s."),
    EventCode.VISIT_REQUESTED: gettext_lazy("Field visit %(visit)s requested."),
    EventCode.VISIT_REQUESTED_AS_EXCEPTION: gettext_lazy(
        "Field visit %(visit)s requested as a documented exception (flagged for compliance)."
    ),
    EventCode.VISIT_APPROVED: gettext_lazy("Field visit %(visit)s approved."),
    EventCode.VISIT_REJECTED: gettext_lazy("Field visit %(visit)s rejected."),
    EventCode.VISIT_NOTICE_QUEUED: gettext_lazy("Field visit %(visit)s: notice queued (%(channels)s)."),
    EventCode.VISIT_NOTIFIED: gettext_lazy("Field visit %(visit)s: notice sent (%(channel)s)."),
    EventCode.VISIT_CHECKED_IN: gettext_lazy("Field visit %(visit)s: the agent checked in."),
    EventCode.VISIT_COMPLETED: gettext_lazy("Field visit %(visit)s: report filed."),
    EventCode.VISIT_CHECKED_IN_FAR: gettext_lazy(
        "Field visit %(visit)s: the agent checked in %(distance_m)s m from the address, farther than the "
        "%(limit_m)s m allowed; flagged for the supervisor."
    ),
    EventCode.VISIT_REPORTED: gettext_lazy("Field visit %(visit)s: report filed (%(visit_outcome)s)."),
    EventCode.VISIT_ABORTED: gettext_lazy("Field visit %(visit)s aborted."),
    EventCode.VISIT_CANCELLED: gettext_lazy("Field visit %(visit)s called off."),
    EventCode.VISIT_NOTICE_TOO_LATE: gettext_lazy(
        "Field visit %(visit)s called off: the notice left too late for the announced window."
    ),
    EventCode.VISIT_CASE_STOPPED: gettext_lazy("Field visit %(visit)s called off: the case is %(state)s."),
    EventCode.FORBEARANCE_ASSESSED: gettext_lazy(
        "Forbearance assessed: offered %(options)s; the borrower's answer: %(answer)s."
    ),
    EventCode.DEBT_ACKNOWLEDGED: gettext_lazy("The borrower acknowledged the debt on %(on)s."),
    EventCode.DEFAULT_CHARGE_POSTED: gettext_lazy("Default charge of %(amount)s posted; fees now %(fees)s."),
    EventCode.CALLBACK_SCHEDULED: gettext_lazy("Callback scheduled for %(due_at)s."),
}

# An assessment that offered a referral to debt advice says so after its own sentence.
DEBT_ADVICE_OFFERED = gettext_lazy("A referral to free debt advice was offered.")

# A promise or plan agreed on a field visit says so after its own sentence.
AGREED_ON_VISIT = gettext_lazy("Agreed on field visit %(visit)s.")

MONEY_PARAMS = ("amount", "outstanding", "total", "fees")

# Instants agreed with the borrower, shown in the borrower's zone (the event's ``zone``
# parameter) with the zone named, whoever reads them: a callback at "10:00 EST" is the
# borrower's ten o'clock, not the reader's.
BORROWER_MOMENTS = ("due_at",)


def _username(value) -> str:
    return value or _("system")


def _collector(value) -> str:
    return value or _("nobody")


def _state(value) -> str:
    from .models import CaseState  # the models import the guards, which this module builds on

    return str(CaseState(value).label).lower() if value in CaseState.values else value


def _hold_kind(value) -> str:
    from .models import Hold

    return str(Hold.Kind(value).label) if value in Hold.Kind.values else value


# Borrowers' languages named in the reader's language (Language's labels are endonyms).
LANGUAGE_NAMES = {
    "zh-hans": pgettext_lazy("borrower language", "Chinese"),
    "en": pgettext_lazy("borrower language", "English"),
}


def _language(value) -> str:
    return str(LANGUAGE_NAMES.get(value, value or "—"))


def _profile(value) -> str:
    return str(ProfileCode(value).label) if value in ProfileCode.values else (value or "—")


def _region(value) -> str:
    return value or _("(unknown)")


def _visit_outcome(value) -> str:
    return str(VisitOutcome(value).label).lower() if value in VisitOutcome.values else str(value)


def _channel(value) -> str:
    return str(Channel(value).label) if value in Channel.values else value


def _channels(value) -> str:
    return ", ".join(_channel(channel) for channel in str(value).split())


def _day(value) -> str:
    return formats.date_format(date.fromisoformat(value) if isinstance(value, str) else value)


def _borrower_moment(value, zone) -> str:
    instant = datetime.fromisoformat(value) if isinstance(value, str) else value
    return local_datetime(instant, ZoneInfo(zone) if zone else None, show_zone=True)


def _options(value) -> str:
    from .models import option_labels

    return ", ".join(option_labels(value or []))


def _answer(value) -> str:
    from .models import ForbearanceAnswer

    return str(ForbearanceAnswer(value).label).lower() if value in ForbearanceAnswer.values else str(value)


def _accepted(option) -> str:
    """An accepted answer names the option: "accepted payment holiday"."""
    from .models import ForbearanceOption

    label = str(ForbearanceOption(option).label).lower() if option in ForbearanceOption.values else option
    return pgettext("forbearance answer", "accepted %(option)s") % {"option": label}


# How each parameter is shown; a parameter not named here is shown as stored.
SHOWN = {
    "username": _username,
    "previous": _collector,
    "collector": _collector,
    "state": _state,
    "language": _language,
    "profile": _profile,
    "region": _region,
    "kind": _hold_kind,
    "channel": _channel,
    "channels": _channels,
    "due_date": _day,
    "on": _day,
    "sent_at": moment,
    "options": _options,
    "answer": _answer,
    "visit_outcome": _visit_outcome,
}


def sentence(code: str, params: dict | None = None) -> str:
    """The sentence for ``code`` with ``params`` in the current language; "" for a code this
    module does not know or parameters it cannot read."""
    template = SENTENCES.get(code)
    if template is None:
        return ""
    params = params or {}
    shown = dict(params)
    try:
        for name in MONEY_PARAMS:
            if name in params:
                shown[name] = money(params[name], params.get("currency"))
        for name, show in SHOWN.items():
            if name in params:
                shown[name] = show(params[name])
        for name in BORROWER_MOMENTS:
            if name in params:
                shown[name] = _borrower_moment(params[name], params.get("zone"))
        if params.get("accepted_option"):
            shown["answer"] = _accepted(params["accepted_option"])
        text = template % shown
        if params.get("visit") and code in (EventCode.PROMISE_RECORDED, EventCode.PLAN_AGREED):
            text = then(text, AGREED_ON_VISIT % {"visit": params["visit"]})
        if params.get("debt_advice") and code == EventCode.FORBEARANCE_ASSESSED:
            text = then(text, str(DEBT_ADVICE_OFFERED))
        # A plan beyond policy says why it waits for a supervisor (cases/plan_text.py).
        if code == EventCode.PLAN_PROPOSED:
            for why in reason_sentences(params.get("beyond_policy")):
                text = then(text, why)
    except (KeyError, TypeError, ValueError):
        return ""
    return text


def typed_text(event) -> str:
    """What a person typed, as written. Events whose code was read off their old sentence
    (migration 0014) keep that sentence in ``reason``, as sealed, and the typed part of it
    in ``params["note"]``."""
    params = event.params or {}
    return params["note"] if "note" in params else event.reason


def kept_sentence(event) -> str:
    """The old sentence an event's code was read off (migration 0014), which its ``reason``
    keeps as sealed; "" for any other event."""
    return event.reason if event.code and "note" in (event.params or {}) else ""


def describe(event) -> str:
    """The event in the current language: its sentence, then what a person typed; the old
    free text for an event without a (known) code."""
    said = sentence(event.code, event.params) if event.code else ""
    if not said:
        return event.reason
    typed = typed_text(event).strip()
    return then(said, typed) if typed else said


def state_label(value: str) -> str:
    """A case state by its label ("Phone calls"), for the from → to of a transition."""
    from .models import CaseState

    return str(CaseState(value).label) if value in CaseState.values else (value or "—")


def state_move(event) -> str:
    """ "Reminders → Phone calls" for an event that moved the case, else ""."""
    if not (event.from_state and event.to_state):
        return ""
    return f"{state_label(event.from_state)} → {state_label(event.to_state)}"


def summary(event) -> str:
    """One line for a timeline: the move, if any, then the description."""
    move, said = state_move(event), describe(event)
    if not (move and said):
        return move or said
    return pgettext("a state change, then why", "%(move)s. %(why)s") % {"move": move, "why": said}


def checked_rules(event, *, currency: str | None = None, evidence: bool = False) -> list[str]:
    """Each guard the event's transition checked, named and explained in the current
    language (``currency``: the account's, for records that did not keep it). With
    ``evidence`` (the dossier), also the sentence an older record kept, marked as such."""
    lines = []
    for record in event.rules or []:
        if isinstance(record, dict):
            lines += rule_lines(record, currency=currency, evidence=evidence)
    return lines
