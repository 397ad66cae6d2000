"""The HTTP gateway against a provider on this machine (a real HTTP server, the edge)."""

from datetime import timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
import json
import threading

from django.utils import timezone
import pytest

from cases.models import CaseState
from contacts import outbox
from contacts.gateways import GatewayError, OutgoingMessage, PermanentGatewayError
from contacts.gateways.http import HttpGateway
from contacts.models import ContactAttempt, OutboundMessage
from contacts.services import approve_template, save_template_version
from policy.codes import Channel
from tests.clock import SHANGHAI, frozen, local
from tests.factories import make_user, phone_case

State = OutboundMessage.State


class Provider(BaseHTTPRequestHandler):
    """Answers each POST with the next of ``answers``: (status, headers, body)."""

    answers: list = []
    seen: list = []

    def do_POST(self):
        self.seen.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
        status, headers, body = self.answers.pop(0)
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def provider(monkeypatch):
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    Provider.answers, Provider.seen = [], []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Provider)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/messages"
    server.shutdown()
    server.server_close()


def message(key="k1"):
    return OutgoingMessage(key=key, channel="sms", to="+8613800000001", subject="", body="hi", case_id=1)


def test_http_429_is_retried_when_retry_after_says(provider):
    gateway = HttpGateway(url=provider, token="t")
    Provider.answers = [(429, {"Retry-After": "120"}, b"slow down")]
    with pytest.raises(GatewayError) as seconds:
        gateway.send(message())
    assert not isinstance(seconds.value, PermanentGatewayError)
    assert seconds.value.retry_after == timedelta(seconds=120)

    in_ten_minutes = format_datetime(timezone.now() + timedelta(minutes=10), usegmt=True)
    Provider.answers = [(429, {"Retry-After": in_ten_minutes}, b"")]
    with pytest.raises(GatewayError) as date:
        gateway.send(message())
    assert timedelta(minutes=9) < date.value.retry_after <= timedelta(minutes=10)

    Provider.answers = [(429, {}, b""), (429, {"Retry-After": "999999999"}, b"")]
    with pytest.raises(GatewayError) as unsaid:
        gateway.send(message())
    assert not isinstance(unsaid.value, PermanentGatewayError) and unsaid.value.retry_after is None
    with pytest.raises(GatewayError) as far:
        gateway.send(message())
    assert far.value.retry_after == HttpGateway.longest_wait


def test_other_4xx_are_permanent_and_5xx_transient(provider):
    gateway = HttpGateway(url=provider, token="t")
    Provider.answers = [(400, {}, b"bad number"), (503, {"Retry-After": "5"}, b""), (200, {}, b'{"id": "p-1"}')]
    with pytest.raises(PermanentGatewayError):
        gateway.send(message())
    with pytest.raises(GatewayError) as unavailable:
        gateway.send(message())
    assert not isinstance(unavailable.value, PermanentGatewayError)
    assert gateway.send(message()) == "p-1"
    assert [seen["reference"] for seen in Provider.seen] == ["k1", "k1", "k1"]


def test_the_outbox_sends_again_at_the_providers_retry_after(db, provider, settings, tmp_path):
    settings.OUTBOX_DIR = tmp_path
    settings.GATEWAY_HTTP_URL, settings.GATEWAY_HTTP_TOKEN = provider, "t"
    settings.CONTACT_GATEWAYS = {**settings.CONTACT_GATEWAYS, "sms": "contacts.gateways.http.HttpGateway"}
    author, reviewer = make_user("Administrator"), make_user("Compliance reviewer")
    template = approve_template(
        save_template_version(
            code="sms-reminder",
            channel=Channel.SMS,
            language="zh-hans",
            by=author,
            body="【{lender_name}】{borrower_name}您好",
        ),
        by=reviewer,
    )
    case = phone_case(dpd=3, rung=CaseState.REMINDER)
    slot = local(SHANGHAI, hour=9)
    queued = OutboundMessage.objects.create(
        case=case,
        channel=Channel.SMS,
        template=template,
        contact_point=case.points[0],
        slot=slot,
        scheduled_for=slot,
        idempotency_key=OutboundMessage.key_for(case.pk, template.pk, slot),
    )
    Provider.answers = [(429, {"Retry-After": "300"}, b""), (200, {}, b'{"id": "prov-9"}')]
    with frozen(local(SHANGHAI, hour=9, minute=1)):
        assert outbox.dispatch_outbox()["retry"] == 1
    queued.refresh_from_db()
    assert queued.state == State.SCHEDULED and queued.tries == 1 and "429" in queued.last_error
    assert queued.scheduled_for == local(SHANGHAI, hour=9, minute=6)  # not the 1-minute backoff
    with frozen(local(SHANGHAI, hour=9, minute=5)):
        assert outbox.dispatch_outbox()["sent"] == 0
    with frozen(local(SHANGHAI, hour=9, minute=6)):
        assert outbox.dispatch_outbox()["sent"] == 1
    queued.refresh_from_db()
    assert queued.state == State.SENT and queued.provider_message_id == "prov-9"
    assert ContactAttempt.objects.count() == 1
