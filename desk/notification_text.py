"""
A notification in words and as a link, in the reader's language, from its kind and
parameters (the way cases/event_text.py words case events): nothing is stored as a
sentence, so a Chinese reader reads Chinese whoever caused it, and the link is built
from the ids when read.
"""

from __future__ import annotations

from datetime import date

from django.urls import reverse
from django.utils.translation import gettext as _

from compliance.models import Rule, Severity
from core.money import format_money
from core.when import local_date

from .models import Notification

Kind = Notification.Kind


def _label(choices, code) -> str:
    try:
        return str(choices(code).label)
    except ValueError:
        return str(code or "—")


def _day(iso: str | None) -> str:
    try:
        return local_date(date.fromisoformat(iso)) if iso else "—"
    except ValueError:
        return iso


def _import_file(params: dict) -> str:
    return params.get("file") or _("(no file name)")


def sentence(kind: str, params: dict) -> str:
    """What happened, in the current language."""
    loan = params.get("loan") or "—"
    if kind == Kind.VISIT_REQUESTED:
        if params.get("exception"):
            return _("%(requester)s asks for a field visit on case %(loan)s, as an exception to the rules.") % {
                "requester": params.get("requester", "—"),
                "loan": loan,
            }
        return _("%(requester)s asks for a field visit on case %(loan)s.") % {
            "requester": params.get("requester", "—"),
            "loan": loan,
        }
    if kind == Kind.VISIT_APPROVED:
        return _("%(approver)s approved your field visit request on case %(loan)s.") % {
            "approver": params.get("approver", "—"),
            "loan": loan,
        }
    if kind == Kind.VISIT_REJECTED:
        return _("%(approver)s rejected your field visit request on case %(loan)s: %(why)s") % {
            "approver": params.get("approver", "—"),
            "loan": loan,
            "why": params.get("why", ""),
        }
    if kind == Kind.VISIT_CHECKED_IN_FAR:
        return _(
            "%(agent)s checked in to the field visit on case %(loan)s %(distance)s m from the address "
            "(position accurate to about %(accuracy)s m): please look at it."
        ) % {
            "agent": params.get("agent", "—"),
            "loan": loan,
            "distance": params.get("distance_m", "—"),
            "accuracy": params.get("accuracy_m") if params.get("accuracy_m") is not None else "—",
        }
    if kind == Kind.PROMISE_BROKEN:
        return _("The promise to pay %(amount)s by %(due)s on case %(loan)s was not kept.") % {
            "amount": format_money(params.get("amount"), params.get("currency", "")),
            "due": _day(params.get("due")),
            "loan": loan,
        }
    if kind == Kind.PLAN_BROKEN:
        return _("The repayment plan on case %(loan)s is broken: an instalment was not paid by its date.") % {
            "loan": loan
        }
    if kind == Kind.FINDING_OPENED:
        values = {
            "severity": _label(Severity, params.get("severity")),
            "rule": _label(Rule, params.get("rule")),
            "loan": loan,
        }
        if params.get("loan"):
            return _("New compliance finding (%(severity)s) on case %(loan)s: %(rule)s.") % values
        return _("New compliance finding (%(severity)s): %(rule)s.") % values
    if kind == Kind.FINDINGS_OPENED:
        return _("The compliance scan opened %(count)s new findings.") % {"count": params.get("count", 0)}
    if kind == Kind.IMPORT_FINISHED:
        return _(
            "The import of %(file)s has finished: %(created)s created, %(updated)s updated, %(unchanged)s unchanged."
        ) % {
            "file": _import_file(params),
            "created": params.get("created", 0),
            "updated": params.get("updated", 0),
            "unchanged": params.get("unchanged", 0),
        }
    if kind == Kind.IMPORT_FAILED:
        return _("The import of %(file)s failed: nothing was imported (%(errors)s problem(s)).") % {
            "file": _import_file(params),
            "errors": params.get("errors", 0),
        }
    return _label(Kind, kind)


def link(kind: str, params: dict) -> str:
    """Where the work is done: the visit's decision page, the case desk, the finding, the
    import's progress page."""
    if kind == Kind.VISIT_REQUESTED and params.get("visit"):
        return reverse("visits:decide", args=[params["visit"]])
    if kind == Kind.VISIT_CHECKED_IN_FAR and params.get("visit"):
        return reverse("admin:visits_fieldvisit_change", args=[params["visit"]])
    if kind in (Kind.VISIT_APPROVED, Kind.VISIT_REJECTED, Kind.PROMISE_BROKEN, Kind.PLAN_BROKEN) and params.get("case"):
        return reverse("desk:case", args=[params["case"]])
    if kind == Kind.FINDING_OPENED and params.get("finding"):
        return reverse("admin:compliance_finding_change", args=[params["finding"]])
    if kind == Kind.FINDINGS_OPENED:
        return reverse("admin:compliance_finding_changelist") + "?status__exact=open"
    if kind in (Kind.IMPORT_FINISHED, Kind.IMPORT_FAILED) and params.get("run"):
        return reverse("cases:import_progress", args=[params["run"]])
    return reverse("desk:notifications")
