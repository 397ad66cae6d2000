"""
A refusal as data, and as a sentence in the reader's language.

The compliance engine's rules say why a contact is refused with a stable reason code
(``policy.codes.Reason``) and the facts behind it: counts and limits, the borrower's zone,
their local time or day (as ISO text: parameters are data, not words). That is what an
attempt keeps (``ContactAttempt.refusal_params``, ``OutboundMessage.suppressed_params``),
and the sentence is made here when someone reads it, in their language — a refusal met by
a collector working in Chinese reads English to an English-speaking reviewer, and the
other way round. Rows stored before the parameters were kept have only their codes: they
read the reason's label.

A refusal's parameters, by reason (the rules in ``contacts.engine.rules`` write them):

- ``case_closed``: ``state`` (the closed state), or ``paid_in_full``: true;
- ``case_on_hold``: ``kinds`` (hold kinds), ``until`` (instant, or null: open-ended);
- ``channel_opt_out``: ``channel``;
- ``stage_not_reached``: ``channel``, ``needed`` (rung), ``rung`` (the case's rung);
- ``template_not_approved``: ``template`` (code), ``version``;
- ``third_party_limit``: ``rule`` = ``none_allowed`` | ``per_person`` (``contacts``,
  ``limit``) | ``borrower_reachable`` (``failed_calls``);
- ``daily_cap``, ``weekly_cap``: ``measure`` (what was counted: ``connected_calls_today``,
  ``unanswered_to_point_today``, ``sms_today``, ``workplace_calls_30d``, ``debt_calls_7d``,
  ``attempts_7d``), ``count``, ``limit``;
- ``post_conversation_wait``: ``spoke_at`` (instant), ``zone``, ``days``;
- ``holiday``: ``day`` (the borrower's date), ``zone``;
- ``outside_hours``: ``local_time`` (instant, with the borrower's offset), ``zone``,
  ``start``, ``end`` (the window, ``HH:MM``);
- ``closed_day``: ``day`` (the borrower's date), ``zone``;
- ``consent_required``: ``channel``, ``withdrawn_at`` (instant the consent was withdrawn,
  or null: never given); written by the engine (contacts/engine/consent.py) and by a
  withdrawal cancelling the queued messages it covers (contacts/consent.py);
- ``time_barred``: ``limitation_date`` (the day the debt became time-barred),
  ``template`` (the code of the template that mentions legal action);
- ``first_contact_identity``: ``template`` (code, or null: no template);
- ``weekly_cap`` also counts ``account_attempts_7d``;
- ``cease_requested``, ``invalid_contact_point``, ``no_approved_visit``: none.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, tzinfo
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from cases.models import CaseState, Hold
from core.when import local_date, local_datetime, local_time, time_of_day
from policy.codes import Channel, Reason

# Codes that are not the engine's but stop a message all the same (an outbox row dropped
# because the visit it announced was cancelled: visits/services/cancel.py).
OTHER_REASONS = {
    "visit_cancelled": gettext_lazy("The field visit was cancelled"),
}


def reason_label(code: str) -> str:
    """The reason's name in the reader's language; an unknown code is shown as it is."""
    if code in Reason.values:
        return str(Reason(code).label)
    return str(OTHER_REASONS.get(code, code))


def reason_labels(codes: Iterable[str]) -> list[str]:
    return [reason_label(code) for code in codes or ()]


def joined(items: Iterable[str]) -> str:
    """Items of a list as the reader's language separates them ("a, b" / "a、b")."""
    return pgettext("between the items of a list", ", ").join(str(item) for item in items)


# --- one sentence per reason ----------------------------------------------------------


def _lower(label) -> str:
    # Labels are capitalised to stand alone; inside an English sentence they are not.
    # (Chinese has no case: lower() leaves it as it is.)
    return str(label).lower()


def _case_closed(p: dict) -> str:
    if p.get("paid_in_full"):
        return _("The debt is paid in full.")
    return _("The case is %(lower)s.") % {"lower": _lower(CaseState(p["state"]).label)}


def _cease_requested(p: dict) -> str:
    return _("The borrower asked us to stop contacting them.")


def _case_on_hold(p: dict) -> str:
    kinds = joined(sorted({_lower(Hold.Kind(kind).label) for kind in p["kinds"]}))
    return _("The case is on hold (%(kinds)s).") % {"kinds": kinds}


def _channel_opt_out(p: dict) -> str:
    return _("The borrower opted out of %(lower)s contact here.") % {"lower": _lower(Channel(p["channel"]).label)}


def _invalid_contact_point(p: dict) -> str:
    return _("This contact point is known to be invalid.")


def _stage_not_reached(p: dict) -> str:
    return _("%(label)s needs the '%(label2)s' rung; the case is on '%(label3)s'.") % {
        "label": Channel(p["channel"]).label,
        "label2": CaseState(p["needed"]).label,
        "label3": CaseState(p["rung"]).label,
    }


def _no_approved_visit(p: dict) -> str:
    return _("No approved field visit for this case.")


def _template_not_approved(p: dict) -> str:
    return _("Template %(code)s v%(version)s is not approved by compliance.") % {
        "code": p["template"],
        "version": p["version"],
    }


def _third_party_limit(p: dict) -> str:
    rule = p["rule"]
    if rule == "per_person":
        return _(
            "This third party was already contacted %(third_party_contacts)s time(s) (limit %(third_party_max_per_person)s)."
        ) % {"third_party_contacts": p["contacts"], "third_party_max_per_person": p["limit"]}
    if rule == "borrower_reachable":
        return _(
            "The borrower is reachable: third parties only after %(unreachable_failed_calls)s consecutive failed calls or when every number is invalid."
        ) % {"unreachable_failed_calls": p["failed_calls"]}
    if rule == "none_allowed":
        return _("This profile allows no third-party contact.")
    raise KeyError(rule)


def _cap(p: dict) -> str:
    """Daily and weekly caps: one sentence per thing counted."""
    measure, count, limit = p["measure"], p["count"], p["limit"]
    if measure == "connected_calls_today":
        return _(
            "%(connected_calls_today)s connected calls with this borrower today (limit %(connected_calls_per_day)s)."
        ) % {"connected_calls_today": count, "connected_calls_per_day": limit}
    if measure == "unanswered_to_point_today":
        return _(
            "%(unanswered_to_point_today)s unanswered calls to this number today (limit %(unanswered_calls_per_number_per_day)s)."
        ) % {"unanswered_to_point_today": count, "unanswered_calls_per_number_per_day": limit}
    if measure == "sms_today":
        return _("%(sms_today)s text message(s) to this borrower today (limit %(sms_per_day)s).") % {
            "sms_today": count,
            "sms_per_day": limit,
        }
    if measure == "workplace_calls_30d":
        return _("%(workplace_calls_30d)s calls to work numbers in 30 days (limit %(calls_to_workplace_30d)s).") % {
            "workplace_calls_30d": count,
            "calls_to_workplace_30d": limit,
        }
    if measure == "debt_calls_7d":
        return _("%(debt_calls_7d)s calls about this debt in 7 days (limit %(calls_per_debt_7d)s).") % {
            "debt_calls_7d": count,
            "calls_per_debt_7d": limit,
        }
    if measure == "account_attempts_7d":
        return _("%(count)s contacts or attempts about this account in 7 days, all media (limit %(limit)s).") % {
            "count": count,
            "limit": limit,
        }
    if measure == "attempts_7d":
        return _(
            "%(attempts_7d)s contacts with this borrower on all channels in 7 days (limit %(attempts_per_borrower_7d)s)."
        ) % {"attempts_7d": count, "attempts_per_borrower_7d": limit}
    raise KeyError(measure)


def _post_conversation_wait(p: dict) -> str:
    spoke = local_date(datetime.fromisoformat(p["spoke_at"]), ZoneInfo(p["zone"]))
    return _("Spoke with the borrower on %(spoke)s; no calls for %(days)s days from that day.") % {
        "spoke": spoke,
        "days": p["days"],
    }


def _holiday(p: dict) -> str:
    return _("%(local)s is a public holiday in %(zone)s.") % {
        "local": local_date(date.fromisoformat(p["day"])),
        "zone": p["zone"],
    }


def _closed_day(p: dict) -> str:
    day = date.fromisoformat(p["day"])
    return _("%(local)s is a day without contact in %(zone)s.") % {"local": local_date(day), "zone": p["zone"]}


def _consent_required(p: dict) -> str:
    channel = _lower(Channel(p["channel"]).label)
    if p.get("withdrawn_at"):
        withdrawn = local_date(datetime.fromisoformat(p["withdrawn_at"]))
        return _("The borrower withdrew consent to %(channel)s contact on %(withdrawn)s.") % {
            "channel": channel,
            "withdrawn": withdrawn,
        }
    return _("No recorded consent from the borrower to %(channel)s contact.") % {"channel": channel}


def _time_barred(p: dict) -> str:
    return _("The debt has been time-barred since %(day)s; template %(template)s mentions legal action.") % {
        "day": local_date(date.fromisoformat(p["limitation_date"])),
        "template": p["template"],
    }


def _first_contact_identity(p: dict) -> str:
    if p.get("template"):
        return _("A case's first contact must use a template that names the lender; %(template)s does not.") % {
            "template": p["template"]
        }
    return _("A case's first contact must use a template that names the lender.")


def _outside_hours(p: dict) -> str:
    zone = ZoneInfo(p["zone"])
    return _("It is %(local)s for the borrower (%(zone)s); contact only %(start)s–%(end)s.") % {
        "local": local_time(datetime.fromisoformat(p["local_time"]), zone),
        "zone": p["zone"],
        "start": time_of_day(time.fromisoformat(p["start"])),
        "end": time_of_day(time.fromisoformat(p["end"])),
    }


SENTENCES = {
    Reason.CASE_CLOSED: _case_closed,
    Reason.CEASE_REQUESTED: _cease_requested,
    Reason.CASE_ON_HOLD: _case_on_hold,
    Reason.CHANNEL_OPT_OUT: _channel_opt_out,
    Reason.INVALID_CONTACT_POINT: _invalid_contact_point,
    Reason.STAGE_NOT_REACHED: _stage_not_reached,
    Reason.NO_APPROVED_VISIT: _no_approved_visit,
    Reason.TEMPLATE_NOT_APPROVED: _template_not_approved,
    Reason.THIRD_PARTY_LIMIT: _third_party_limit,
    Reason.DAILY_CAP: _cap,
    Reason.WEEKLY_CAP: _cap,
    Reason.POST_CONVERSATION_WAIT: _post_conversation_wait,
    Reason.HOLIDAY: _holiday,
    Reason.OUTSIDE_HOURS: _outside_hours,
    Reason.CLOSED_DAY: _closed_day,
    Reason.CONSENT_REQUIRED: _consent_required,
    Reason.TIME_BARRED: _time_barred,
    Reason.FIRST_CONTACT_IDENTITY: _first_contact_identity,
}


def explain(reason: str, params: dict | None = None) -> str:
    """The sentence for one refusal, in the active language. Without parameters (rows
    stored before they were kept, codes that carry none) or with parameters this version
    does not understand, the reason's label stands as the sentence: a page never fails on
    an old row."""
    sentence = SENTENCES.get(reason)
    if sentence is not None and params is not None:
        try:
            return sentence(params)
        except (KeyError, ValueError, TypeError):
            pass
    return _("%(label)s.") % {"label": reason_label(reason)}


def as_stored(reasons: Iterable[str], params: Iterable[dict]) -> list[dict]:
    """The parameters as a row keeps them: one ``{"reason", "params"}`` per reason, in order."""
    return [{"reason": str(reason), "params": dict(p)} for reason, p in zip(reasons, params, strict=True)]


def explain_all(reasons: Iterable[str], stored: Iterable[dict] | None = None) -> list[str]:
    """One sentence per reason code, each with its stored parameters when the row has them."""
    remaining = list(stored or ())
    sentences = []
    for reason in reasons or ():
        match = next((item for item in remaining if isinstance(item, dict) and item.get("reason") == reason), None)
        if match is not None:
            remaining.remove(match)
        sentences.append(explain(reason, match.get("params") if match else None))
    return sentences


def next_allowed_sentence(next_allowed_at: datetime | None, zone: tzinfo | None = None) -> str:
    """When the refused contact may happen, in ``zone`` (default: the site's), zone named."""
    if next_allowed_at is None:
        return _("Not allowed until the reasons above are resolved.")
    return _("Allowed again from %(when)s.") % {"when": local_datetime(next_allowed_at, zone, show_zone=True)}
