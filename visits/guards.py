"""
The field-visit state machine's guard rules (POLICY.md "field visit"): each a small
function of the visit returning (passed, explanation), wrapped as a django-fsm
condition that can say why it failed — the same Guard as the case ladder's.
"""

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from cases.guards import guard
from contacts.engine import evaluate


@guard
def enough_agents_assigned(visit):
    needed = visit.profile.visit_min_staff
    assigned = visit.agents.filter(active=True).count()
    return (
        assigned >= needed,
        _("%(assigned)s field agent(s) assigned; a visit needs at least %(needed)s (%(label)s).")
        % {"assigned": assigned, "needed": needed, "label": visit.profile.label},
        {"assigned": assigned, "minimum": needed},
    )


@guard
def notice_sent_in_time(visit):
    lead = timedelta(hours=visit.profile.visit_notice_lead_hours)
    sent = visit.notice_sent_at
    if sent is None:
        return False, _("The pre-visit notice has not been sent."), {"notice_sent_at": None}
    return (
        sent + lead <= visit.window_start,
        _("Notice sent %(localtime)s; it must precede the window by %(visit_notice_lead_hours)s hours.")
        % {
            "localtime": format(timezone.localtime(sent), "%Y-%m-%d %H:%M"),
            "visit_notice_lead_hours": visit.profile.visit_notice_lead_hours,
        },
        {"notice_sent_at": sent.isoformat(), "lead_hours": visit.profile.visit_notice_lead_hours},
    )


@guard
def window_leaves_time_for_notice(visit):
    lead = timedelta(hours=visit.profile.visit_notice_lead_hours)
    latest_notice = visit.window_start - lead
    return (
        timezone.now() <= latest_notice,
        _("The window starts %(localtime)s; the notice must go by %(localtime2)s.")
        % {
            "localtime": format(timezone.localtime(visit.window_start), "%Y-%m-%d %H:%M"),
            "localtime2": format(timezone.localtime(latest_notice), "%Y-%m-%d %H:%M"),
        },
        {"lead_hours": visit.profile.visit_notice_lead_hours},
    )


@guard
def inside_visit_window(visit):
    now = timezone.now()
    inside = visit.window_start <= now <= visit.window_end
    window = {
        "localtime": format(timezone.localtime(visit.window_start), "%Y-%m-%d %H:%M"),
        "localtime2": format(timezone.localtime(visit.window_end), "%H:%M"),
    }
    return (
        inside,
        _("Now is inside the announced window %(localtime)s–%(localtime2)s.") % window
        if inside
        else _("Now is outside the announced window %(localtime)s–%(localtime2)s.") % window,
        {"now": now.isoformat()},
    )


@guard
def contact_allowed_now(visit):
    """The compliance engine on channel "field visit": visiting hours in the borrower's
    zone, holds, cease, a closed case, an approved visit."""
    decision = evaluate(visit.case, "field_visit", timezone.now())
    return (
        decision.allowed,
        _("The contact rules allow the visit now.") if decision.allowed else " ".join(decision.explanations),
        {"reasons": list(decision.reasons)},
    )


@guard
def report_complete(visit):
    missing = visit.missing_report_items()
    return (
        not missing,
        _("The report is complete.")
        if not missing
        else _("The report is incomplete: %(items)s") % {"items": " ".join(missing)},
        {"missing": missing},
    )
