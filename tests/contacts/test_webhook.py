import hashlib
import hmac
import json

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cases.models import CaseState
from contacts.models import MessageTemplate, OutboundMessage
from policy.codes import Channel
from tests.factories import phone_case


def sent_message():
    case = phone_case(rung=CaseState.REMINDER)
    template = MessageTemplate.objects.create(
        code="t", channel=Channel.SMS, language="zh-hans", body="x", approved_at=timezone.now()
    )
    return OutboundMessage.objects.create(
        case=case,
        channel=Channel.SMS,
        template=template,
        contact_point=case.points[0],
        slot=timezone.now(),
        scheduled_for=timezone.now(),
        idempotency_key="hook-1",
        state=OutboundMessage.State.SENT,
        provider_message_id="prov-1",
    )


def post(body: bytes, secret: str):
    signature = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return Client().post(
        reverse("contacts:delivery_receipt"), body, content_type="application/json", headers={"X-Signature": signature}
    )


def test_signed_receipt_marks_the_message_delivered(db, settings):
    message = sent_message()
    response = post(
        json.dumps({"message_id": "prov-1", "status": "delivered"}).encode(), settings.GATEWAY_WEBHOOK_SECRET
    )
    assert response.status_code == 200
    message.refresh_from_db()
    assert message.state == OutboundMessage.State.DELIVERED and message.delivered_at is not None


def test_bad_signature_is_refused_and_logged(db, settings, caplog):
    message = sent_message()
    response = post(json.dumps({"message_id": "prov-1", "status": "delivered"}).encode(), "not-the-secret")
    assert response.status_code == 403
    assert "bad signature" in caplog.text
    message.refresh_from_db()
    assert message.state == OutboundMessage.State.SENT


def test_unknown_message_and_bad_payload(db, settings):
    sent_message()
    assert (
        post(
            json.dumps({"message_id": "nope", "status": "delivered"}).encode(), settings.GATEWAY_WEBHOOK_SECRET
        ).status_code
        == 404
    )
    assert post(b"{not json", settings.GATEWAY_WEBHOOK_SECRET).status_code == 400
    assert (
        post(
            json.dumps({"message_id": "prov-1", "status": "lost"}).encode(), settings.GATEWAY_WEBHOOK_SECRET
        ).status_code
        == 400
    )
    assert Client().get(reverse("contacts:delivery_receipt")).status_code == 405
