"""
What each escalation guard is called and how its result reads, written from the rule's
name and the inputs it looked at, in the reader's language when it is read.

A case event keeps a guard's result as ``{"rule", "passed", "inputs"}``: the sentence is
not stored, so a Chinese reviewer and an English supervisor each read the record of one
decision in their own language, with amounts and dates their way. Events recorded before
this carried the sentence worded at decision time (``"explanation"``); it stays in the
record as evidence, and is what is shown for a rule this module no longer knows.

Adding a guard (cases/guards.py) is adding its label and its explainer here.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from core.money import format_money

RULE_LABELS = {
    "reminder_dpd_reached": gettext_lazy("Days past due for reminders"),
    "phone_dpd_reached": gettext_lazy("Days past due for phone calls"),
    "written_notice_dpd_reached": gettext_lazy("Days past due for a written notice"),
    "field_visit_dpd_reached": gettext_lazy("Days past due for a field visit"),
    "legal_dpd_reached": gettext_lazy("Days past due for legal referral"),
    "field_visit_balance_reached": gettext_lazy("Balance for a field visit"),
    "has_failed_remote_contact": gettext_lazy("Remote contact failed"),
    "written_notice_sent": gettext_lazy("Written notice sent"),
    "notice_lead_time_elapsed": gettext_lazy("Notice lead time before a field visit"),
    "has_approved_field_visit": gettext_lazy("Approved field visit"),
    "has_running_arrangement": gettext_lazy("Promise or plan running"),
    "no_running_arrangement": gettext_lazy("No promise or plan running"),
    "has_active_hold": gettext_lazy("Hold active"),
    "no_active_hold": gettext_lazy("No hold active"),
    "balance_cleared": gettext_lazy("Balance cleared"),
    "forbearance_assessed": gettext_lazy("Forbearance assessed before legal referral"),
    "not_time_barred": gettext_lazy("Debt not time-barred"),
}

# What each days-past-due rule unlocks, as the sentence names it.
_DPD_WHAT = {
    "reminder_dpd_reached": gettext_lazy("reminders"),
    "phone_dpd_reached": gettext_lazy("phone calls"),
    "written_notice_dpd_reached": gettext_lazy("a written notice"),
    "field_visit_dpd_reached": gettext_lazy("a field visit"),
    "legal_dpd_reached": gettext_lazy("legal referral"),
}


def rule_label(rule: str) -> str:
    """The rule's name for people; an unknown rule by its code, spaced out."""
    label = RULE_LABELS.get(rule)
    return str(label) if label is not None else rule.replace("_", " ")


def money(amount, currency: str | None) -> str:
    """An amount the staff pages' way (core.money); a bare number when the record named no
    currency (guard inputs recorded before they carried it)."""
    if currency:
        return format_money(amount, currency)
    try:
        return formats.number_format(Decimal(str(amount)), 2, use_l10n=True, force_grouping=True)
    except (InvalidOperation, ValueError):
        return str(amount)


def moment(value) -> str:
    """An instant (or its ISO text, as stored in JSON) in the reader's local style."""
    instant = datetime.fromisoformat(value) if isinstance(value, str) else value
    if timezone.is_naive(instant):
        instant = timezone.make_aware(instant)
    return formats.date_format(timezone.localtime(instant), "DATETIME_FORMAT")


# --- one explainer per rule: (passed, inputs, currency) -> sentence ---------------------------


def _dpd(rule):
    def explain(passed, inputs, currency):
        return _("%(dpd)s days past due; %(what)s needs at least %(minimum)s (%(label)s).") % {
            "dpd": inputs["days_past_due"],
            "what": _DPD_WHAT[rule],
            "minimum": inputs["minimum"],
            "label": inputs.get("profile", ""),
        }

    return explain


def _balance(passed, inputs, currency):
    currency = inputs.get("currency", currency)
    return _("Outstanding %(outstanding)s; a field visit needs at least %(minimum)s (%(label)s).") % {
        "outstanding": money(inputs["outstanding"], currency),
        "minimum": money(inputs["minimum"], currency),
        "label": inputs.get("profile", ""),
    }


def _failed_remote(passed, inputs, currency):
    values = {
        "failed_attempts": inputs["failed_attempts"],
        "channels": inputs["channels"],
        "value": _("yes") if inputs.get("all_contact_points_invalid") else _("no"),
    }
    if "window_days" not in inputs:  # recorded before the profile's numbers were kept with it
        return (
            _(
                "%(failed_attempts)s failed remote attempts over %(channels)s channels; every contact point invalid: %(value)s."
            )
            % values
        )
    return _(
        "%(failed_attempts)s failed remote attempts over %(channels)s channels in the last %(field_visit_attempt_window_days)s days (needs %(field_visit_min_failed_attempts)s over %(field_visit_min_failed_channels)s); every contact point invalid: %(value)s."
    ) % {
        **values,
        "field_visit_attempt_window_days": inputs["window_days"],
        "field_visit_min_failed_attempts": inputs["min_attempts"],
        "field_visit_min_failed_channels": inputs["min_channels"],
    }


def _notice_sent(passed, inputs, currency):
    sent = inputs.get("written_notice_sent_at")
    if not sent:
        return _("No written notice has been sent.")
    return _("Written notice sent (%(localtime)s).") % {"localtime": moment(sent)}


def _lead_time(passed, inputs, currency):
    if inputs.get("days_since_notice") is None:
        return _("No written notice has been sent.")
    return _("Written notice sent %(days)s days ago; a field visit needs %(days2)s days' notice.") % {
        "days": inputs["days_since_notice"],
        "days2": inputs["minimum"],
    }


def _approved_visit(passed, inputs, currency):
    if inputs.get("approved_field_visit", passed):
        return _("An approved field visit exists.")
    return _("No approved field visit for this case.")


def _running(passed, inputs, currency):
    if inputs.get("running_arrangement", passed):
        return _("A promise to pay or repayment plan is running.")
    return _("No promise or plan is running.")


def _not_running(passed, inputs, currency):
    if inputs.get("running_arrangement", not passed):
        return _("A promise to pay or repayment plan is still running.")
    return _("No promise or plan is running.")


def _active_hold(passed, inputs, currency):
    if inputs.get("active_hold", passed):
        return _("The case has an active hold.")
    return _("The case has no active hold.")


def _no_active_hold(passed, inputs, currency):
    from .models import Hold  # the models import the guards, which import this module

    kinds = inputs.get("active_holds") or []
    if not kinds:
        return _("No hold is active.")
    labels = [str(Hold.Kind(kind).label) if kind in Hold.Kind.values else kind for kind in kinds]
    return _("Holds still active: %(items)s.") % {"items": ", ".join(labels)}


def _cleared(passed, inputs, currency):
    return _("Outstanding %(outstanding)s.") % {
        "outstanding": money(inputs["outstanding"], inputs.get("currency", currency))
    }


def _day(value) -> str:
    return formats.date_format(date.fromisoformat(value), "DATE_FORMAT")


def _forbearance(passed, inputs, currency):
    label = inputs.get("profile", "")
    if not inputs["required"]:
        return _("No forbearance assessment is required before legal referral (%(label)s).") % {"label": label}
    values = {"days": inputs["window_days"], "label": label}
    if passed:
        return _("Forbearance assessed on %(day)s, within the last %(days)s days (%(label)s).") % {
            **values,
            "day": _day(inputs["assessed_on"]),
        }
    if inputs.get("assessed_on"):
        return _(
            "The last forbearance assessment was on %(day)s; one is needed within the last %(days)s days before legal referral (%(label)s)."
        ) % {**values, "day": _day(inputs["assessed_on"])}
    return _("A forbearance assessment is needed within the last %(days)s days before legal referral (%(label)s).") % (
        values
    )


def _time_barred(passed, inputs, currency):
    label = inputs.get("profile", "")
    if not inputs.get("limitation_date"):
        return _("No limitation period applies (%(label)s).") % {"label": label}
    values = {"day": _day(inputs["limitation_date"]), "label": label}
    if passed:
        return _("The debt becomes time-barred after %(day)s (%(label)s).") % values
    return _("The debt has been time-barred since %(day)s: no legal referral (%(label)s).") % values


EXPLAINERS = {
    **{rule: _dpd(rule) for rule in _DPD_WHAT},
    "field_visit_balance_reached": _balance,
    "has_failed_remote_contact": _failed_remote,
    "written_notice_sent": _notice_sent,
    "notice_lead_time_elapsed": _lead_time,
    "has_approved_field_visit": _approved_visit,
    "has_running_arrangement": _running,
    "no_running_arrangement": _not_running,
    "has_active_hold": _active_hold,
    "no_active_hold": _no_active_hold,
    "balance_cleared": _cleared,
    "forbearance_assessed": _forbearance,
    "not_time_barred": _time_barred,
}


def explain(rule: str, passed: bool, inputs: dict, *, currency: str | None = None) -> str | None:
    """The sentence for one guard result in the current language, or None when the rule
    is unknown or its inputs do not say enough (an old record: show what it stored)."""
    explainer = EXPLAINERS.get(rule)
    if explainer is None or not isinstance(inputs, dict):
        return None
    waived_by = inputs.get("waived_by_visit")
    try:
        # A waived rule failed on its own numbers; the exception is what let it pass.
        text = explainer(False if waived_by else passed, inputs, currency)
    except (KeyError, TypeError, ValueError):
        return None
    if waived_by:
        return _("Waived by documented exception (visit %(pk)s): %(explanation)s") % {
            "pk": waived_by,
            "explanation": text,
        }
    return text


def then(sentence: str, following: str) -> str:
    """Two sentences one after the other, spaced as the reader's language spaces them."""
    return pgettext("one sentence after another", "%(sentence)s %(following)s") % {
        "sentence": sentence,
        "following": following,
    }


def _line(mark: str, rule: str, finding: str = "") -> str:
    label = rule_label(rule)
    if not finding:
        return f"{mark} {label}"
    return f"{mark} " + pgettext("a rule checked, then what it found", "%(rule)s: %(finding)s") % {
        "rule": label,
        "finding": finding,
    }


def as_recorded(explanation: str) -> str:
    """The sentence an older record kept, worded when it was decided (maybe in another
    language than the reader's): evidence, shown as such."""
    return _("As recorded at the time: %(explanation)s") % {"explanation": explanation}


def rule_lines(record: dict, *, currency: str | None = None, evidence: bool = False) -> list[str]:
    """One checked rule of a case event: a line with mark, rule name and what it found,
    written now from its inputs. With ``evidence``, a second line with the sentence an
    older record kept, where it reads otherwise than the one written now."""
    rule = str(record.get("rule", ""))
    passed = bool(record.get("passed"))
    kept = str(record.get("explanation") or "")
    text = explain(rule, passed, record.get("inputs") or {}, currency=currency)
    mark = "✓" if passed else "✗"
    if text is None:  # a rule or inputs this module cannot read: what the record kept
        return [_line(mark, rule, as_recorded(kept) if kept else "")]
    lines = [_line(mark, rule, text)]
    if evidence and kept and kept != text:
        lines.append(as_recorded(kept))
    return lines
