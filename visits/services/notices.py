"""
What the borrower is told: the pre-visit notice put in the outbox, and the word that an
announced visit is off.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.ledger import audited_atomic
from cases.event_text import EventCode
from cases.selectors import borrower_zone
from contacts.models import OutboundMessage
from contacts.outbox import approved_templates, best_point, template_for
from policy.codes import Channel

from ..models import FieldVisit, VisitNotice, VisitState
from .workflow import VisitRefused, _event


def _visit_context(visit) -> dict:
    zone = borrower_zone(visit.case)
    start, end = visit.window_start.astimezone(zone), visit.window_end.astimezone(zone)
    return {
        "visit_window": f"{start:%Y-%m-%d %H:%M}–{end:%H:%M}",
        "visit_purpose": "repayment discussion / 还款协商",
        "agent_badges": ", ".join(a.badge_number for a in visit.agents.all()),
        "verification_code": visit.verification_code,
        "verify_url": settings.VISIT_VERIFY_URL,
    }


@audited_atomic
def send_notice(visit) -> list[OutboundMessage]:
    """Put the pre-visit notice in the outbox (by the profile's channels). The visit
    becomes 'notified' once the outbox has actually sent it (sync_notices)."""
    visit = FieldVisit.objects.select_for_update().select_related("case__account__borrower").get(pk=visit.pk)
    if visit.state != VisitState.APPROVED:
        raise VisitRefused(_("Only an approved visit is announced."))
    case = visit.case
    borrower = case.account.borrower
    points = list(borrower.contact_points.all())
    templates = approved_templates()
    messages = []
    for channel in visit.profile.visit_notice_channels.split():
        kind = {"sms": "phone", "letter": "postal", "email": "email"}[channel]
        template = template_for(f"visit_notice_{channel}", borrower.language, templates)
        point = best_point(points, kind)
        if template is None or point is None:
            continue
        now = timezone.now()
        message = OutboundMessage(
            case=case,
            channel=channel,
            template=template,
            contact_point=point,
            slot=now,
            scheduled_for=now,
            purpose=OutboundMessage.Purpose.VISIT_NOTICE,
            context=_visit_context(visit),
            idempotency_key=OutboundMessage.key_for(case.pk, template.pk, now, f"-visit{visit.pk}"),
        )
        message.save()
        VisitNotice.objects.create(visit=visit, message=message, kind=VisitNotice.Kind.ANNOUNCEMENT)
        messages.append(message)
    if not messages:
        raise VisitRefused(
            _("No approved notice template or usable contact point for the borrower: the visit cannot be announced.")
        )
    visit.notice_channels = " ".join(m.channel for m in messages)
    visit.save(update_fields=["notice_channels"])
    _event(visit, None, EventCode.VISIT_NOTICE_QUEUED, channels=visit.notice_channels)
    return messages


def _queue_cancellation_notice(visit):
    case = visit.case
    borrower = case.account.borrower
    template = template_for("visit_cancelled", borrower.language, approved_templates())
    point = best_point(list(borrower.contact_points.all()), "phone")
    if template is None or point is None:
        return
    now = timezone.now()
    message = OutboundMessage.objects.create(
        case=case,
        channel=Channel.SMS,
        template=template,
        contact_point=point,
        slot=now,
        scheduled_for=now,
        purpose=OutboundMessage.Purpose.VISIT_NOTICE,
        context=_visit_context(visit),
        idempotency_key=OutboundMessage.key_for(case.pk, template.pk, now, f"-visit{visit.pk}-cancelled"),
    )
    VisitNotice.objects.create(visit=visit, message=message, kind=VisitNotice.Kind.CANCELLATION)
