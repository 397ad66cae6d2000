"""What the outbox tests share: a message scheduled for a case, and a frozen clock
(the approved SMS template is a fixture in conftest.py)."""

from unittest import mock

from contacts.models import OutboundMessage
from policy.codes import Channel


def scheduled(case, template, when):
    return OutboundMessage.objects.create(
        case=case,
        channel=Channel.SMS,
        template=template,
        contact_point=case.points[0],
        slot=when,
        scheduled_for=when,
        idempotency_key=OutboundMessage.key_for(case.pk, template.pk, when),
    )


def frozen(at):
    return mock.patch("django.utils.timezone.now", return_value=at)
