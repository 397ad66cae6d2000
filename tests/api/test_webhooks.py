"""Outgoing webhooks against a real receiver (http.server on 127.0.0.1, in a thread): each
event made by the service that causes it, signed, retried with backoff through Celery
(eager here: a retry runs at once), logged; nothing for whoever did not subscribe, and
nothing when the change rolls back."""

from datetime import timedelta
from decimal import Decimal
import hashlib
import hmac
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
import json
import threading
import time
import uuid

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
import pytest

from api import webhook_delivery, webhooks
from api.tasks import deliver_webhook, sweep_webhook_deliveries
from api.webhook_models import EventType, WebhookDelivery, WebhookEndpoint
from cases import jobs, services
from cases.models import CaseState, CollectionCase, Hold
from tests.clients import client_for
from tests.clock import window
from tests.factories import climb_to, create_case, eligible_case
from visits import services as visit_services

State = WebhookDelivery.State


class Receiver:
    """An HTTP server that answers each POST with the next status of ``statuses`` (the last
    one from then on) and keeps what it was sent."""

    def __init__(self, statuses=(200,)):
        self.statuses = list(statuses)
        self.received = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append({"headers": dict(self.headers), "body": body})
                status = receiver.statuses.pop(0) if len(receiver.statuses) > 1 else receiver.statuses[0]
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def events(self):
        return [json.loads(request["body"]) for request in self.received]


@pytest.fixture(autouse=True)
def outbox_dir(tmp_path, settings):
    settings.OUTBOX_DIR = tmp_path / "outbox"


@pytest.fixture
def receiver():
    with Receiver() as running:
        yield running


def endpoint(administrator, url, events=tuple(EventType.values), name="lender"):
    return webhooks.create_endpoint(name=name, url=url, events=list(events), by=administrator)


def verify(secret: str, request) -> bool:
    """What the README tells a receiver to do."""
    fields = dict(part.split("=", 1) for part in request["headers"]["X-Collections-Signature"].split(","))
    signed = fields["t"].encode() + b"." + request["body"]
    expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, fields["v1"]) and abs(time.time() - int(fields["t"])) < 300


def test_a_receiver_that_fails_twice_gets_the_event_on_the_third_attempt(
    db, eager_tasks, django_capture_on_commit_callbacks, administrator, supervisor
):
    with Receiver(statuses=[500, 500, 200]) as flaky:
        hook = endpoint(administrator, flaky.url, [EventType.HOLD_PLACED])
        case = climb_to(create_case(dpd=20), CaseState.PHONE, by=supervisor)
        with django_capture_on_commit_callbacks(execute=True):
            services.place_hold(case, Hold.Kind.DISPUTE, by=supervisor)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.attempts, delivery.last_status_code) == (State.DELIVERED, 3, 200)
    assert delivery.delivered_at is not None and delivery.last_error == ""
    assert len(flaky.received) == 3
    # The same event each time, each signed with the endpoint's secret.
    assert {request["body"] for request in flaky.received} == {flaky.received[0]["body"]}
    assert all(verify(hook.secret, request) for request in flaky.received)
    assert not verify("whsec_someone-else", flaky.received[0])
    headers = flaky.received[-1]["headers"]
    assert headers["X-Collections-Event"] == "hold.placed"
    assert headers["X-Collections-Delivery"] == str(delivery.event_id) == flaky.events()[0]["id"]
    # The delivery log shows it: attempts, the last answer, the state.
    page = client_for(administrator).get(reverse("admin:api_webhookdelivery_changelist"))
    assert page.status_code == 200
    row = page.content.decode()
    assert "hold.placed" in row and ">3<" in row and ">200<" in row


def test_the_payload_names_the_loan_and_the_case_and_nobody(
    db, eager_tasks, django_capture_on_commit_callbacks, administrator, supervisor, receiver
):
    endpoint(administrator, receiver.url)
    case = climb_to(create_case(dpd=20), CaseState.PHONE, by=supervisor)
    with django_capture_on_commit_callbacks(execute=True):
        services.place_hold(case, Hold.Kind.DISPUTE, by=supervisor, until=timezone.now() + timedelta(days=30))
    (event,) = receiver.events()
    assert set(event) == {"id", "type", "occurred_at", "data"} and uuid.UUID(event["id"])
    assert event["occurred_at"].endswith("+08:00")  # ISO 8601 with the site's offset
    assert event["data"]["loan_number"] == case.account.loan_number and event["data"]["case_id"] == case.pk
    assert event["data"]["state"] == "on_hold" and event["data"]["until"]
    raw = receiver.received[0]["body"].decode()
    borrower = case.account.borrower
    for personal in [
        borrower.full_name,
        borrower.national_id,
        *borrower.contact_points.values_list("value", flat=True),
    ]:
        assert not personal or personal not in raw
    assert "dispute" not in raw  # not even the kind of hold


def test_a_payment_that_clears_the_balance_says_resolved(
    db, eager_tasks, django_capture_on_commit_callbacks, administrator, receiver
):
    endpoint(administrator, receiver.url, [EventType.CASE_CLOSED])
    case = create_case(dpd=20)
    with django_capture_on_commit_callbacks(execute=True):
        services.record_payment(case.account, Decimal("1.00"), timezone.now(), "PART-1")
    assert receiver.received == []  # still owing: still open
    with django_capture_on_commit_callbacks(execute=True):
        services.record_payment(case.account, case.account.outstanding_total, timezone.now(), "PAID-1")
    (event,) = receiver.events()
    assert event["type"] == "case.closed"
    assert event["data"] == {"loan_number": case.account.loan_number, "case_id": case.pk, "state": "resolved"}


def test_a_hold_released_by_hand_and_the_nights_expired_holds(
    db, eager_tasks, django_capture_on_commit_callbacks, administrator, supervisor, receiver
):
    endpoint(administrator, receiver.url, [EventType.HOLD_RELEASED])
    by_hand = climb_to(create_case(dpd=20), CaseState.PHONE, by=supervisor)
    expiring = [climb_to(create_case(dpd=20), CaseState.PHONE, by=supervisor) for _ in range(2)]
    hold = services.place_hold(by_hand, Hold.Kind.DISPUTE, by=supervisor)
    for case in expiring:
        services.place_hold(case, Hold.Kind.DISPUTE, by=supervisor, until=timezone.now() + timedelta(days=1))
    assert receiver.received == []  # placing is another event
    with django_capture_on_commit_callbacks(execute=True):
        services.release_hold(hold, by=supervisor, note="Dispute answered.")
    (event,) = receiver.events()
    assert event["type"] == "hold.released"
    assert event["data"] == {"loan_number": by_hand.account.loan_number, "case_id": by_hand.pk, "state": "phone"}
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.release_expired_holds(timezone.now() + timedelta(days=2)) == 2
    released = {event["data"]["case_id"]: event["data"]["state"] for event in receiver.events()[1:]}
    assert released == {case.pk: "phone" for case in expiring}


def test_the_nights_broken_promises_and_plans(
    db, eager_tasks, django_capture_on_commit_callbacks, administrator, collector, receiver
):
    endpoint(administrator, receiver.url, [EventType.PROMISE_BROKEN])
    today = timezone.localdate()
    promised = climb_to(create_case(dpd=20, collector=collector), CaseState.PHONE, by=collector)
    promise = services.record_promise(promised, Decimal("100"), today + timedelta(days=1), by=collector)
    planned = climb_to(create_case(dpd=20, collector=collector), CaseState.PHONE, by=collector)
    plan = services.agree_repayment_plan(
        planned, [(today + timedelta(days=i), Decimal("500")) for i in (1, 31)], by=collector
    )
    with django_capture_on_commit_callbacks(execute=True):
        counts = jobs.check_promises(timezone.now() + timedelta(days=3))
    assert counts["promises_broken"] == 1 and counts["plans_broken"] == 1
    events = sorted(receiver.events(), key=lambda event: event["data"]["arrangement"])
    assert [event["type"] for event in events] == ["promise.broken", "promise.broken"]
    assert events[0]["data"] == {
        "loan_number": planned.account.loan_number,
        "case_id": planned.pk,
        "arrangement": "plan",
        "plan_id": plan.pk,
        "amount": "1000.00",
        "currency": "CNY",
    }
    assert events[1]["data"] == {
        "loan_number": promised.account.loan_number,
        "case_id": promised.pk,
        "arrangement": "promise",
        "promise_id": promise.pk,
        "amount": "100.00",
        "currency": "CNY",
        "due_date": (today + timedelta(days=1)).isoformat(),
    }


def test_an_approved_visit_and_not_a_rejected_one(
    db, eager_tasks, django_capture_on_commit_callbacks, administrator, collector, supervisor, agents, receiver
):
    endpoint(administrator, receiver.url, [EventType.VISIT_APPROVED])
    visits = []
    for _ in range(2):
        start, end = window()
        case = eligible_case(collector=collector)
        visits.append(
            visit_services.request_visit(
                case,
                by=collector,
                reason="Calls refused.",
                window_start=start,
                window_end=end,
                address="上海市黄浦区人民路1号",
            )
        )
    with django_capture_on_commit_callbacks(execute=True):
        visit_services.reject_visit(visits[1], by=supervisor, why="Try a letter first.")
    assert receiver.received == []
    with django_capture_on_commit_callbacks(execute=True):
        visit_services.approve_visit(visits[0], by=supervisor, agents=agents)
    (event,) = receiver.events()
    assert event["type"] == "visit.approved"
    data = event["data"]
    assert (data["case_id"], data["visit_id"]) == (visits[0].case_id, visits[0].pk)
    assert data["loan_number"] == visits[0].case.account.loan_number and data["state"] == CaseState.FIELD_VISIT
    assert data["window_start"] == timezone.localtime(visits[0].window_start).isoformat()
    assert "人民路" not in receiver.received[0]["body"].decode()  # never the address


def test_unsubscribed_and_deactivated_endpoints_get_nothing(
    db, eager_tasks, django_capture_on_commit_callbacks, administrator, supervisor, receiver
):
    endpoint(administrator, receiver.url, [EventType.CASE_CLOSED], name="closures only")
    gone = endpoint(administrator, receiver.url, [EventType.HOLD_PLACED], name="gone")
    webhooks.deactivate(gone)
    listening = endpoint(administrator, receiver.url, [EventType.HOLD_PLACED], name="listening")
    case = climb_to(create_case(dpd=20), CaseState.PHONE, by=supervisor)
    with django_capture_on_commit_callbacks(execute=True):
        services.place_hold(case, Hold.Kind.DISPUTE, by=supervisor)
    assert list(WebhookDelivery.objects.values_list("endpoint__name", flat=True)) == ["listening"]
    assert len(receiver.received) == 1
    # Deactivated after the event was queued: its pending delivery fails, nothing is sent.
    webhooks.deactivate(listening)
    late = webhooks._queue(EventType.HOLD_PLACED, [{"case_id": case.pk}], [listening])[0]
    assert deliver_webhook.apply(args=(late.pk, 0)).get() == State.FAILED
    late.refresh_from_db()
    assert late.state == State.FAILED and late.last_error == "endpoint deactivated" and len(receiver.received) == 1


def test_a_rolled_back_change_sends_nothing(
    db, eager_tasks, django_capture_on_commit_callbacks, administrator, supervisor, receiver
):
    endpoint(administrator, receiver.url)
    case = climb_to(create_case(dpd=20), CaseState.PHONE, by=supervisor)
    with django_capture_on_commit_callbacks(execute=True) as queued:
        with pytest.raises(RuntimeError), transaction.atomic():
            services.place_hold(case, Hold.Kind.DISPUTE, by=supervisor)
            assert WebhookDelivery.objects.count() == 1  # inserted in the hold's transaction…
            raise RuntimeError("something after the hold failed")
    assert not WebhookDelivery.objects.exists()  # …and gone with it
    assert receiver.received == [] and CollectionCase.objects.get(pk=case.pk).state == CaseState.PHONE
    assert not [callback for callback in queued if "webhook" in repr(callback)]


def test_the_backoff_grows_and_stops_at_its_cap():
    delays = [webhook_delivery.retry_delay(n, jitter=0) for n in range(1, 10)]
    assert delays[:4] == [30, 60, 120, 240]
    assert all(later >= earlier for earlier, later in zip(delays, delays[1:], strict=False))
    assert max(delays) == delays[-1] == webhook_delivery.RETRY_CAP_SECONDS
    # Jitter only shortens, by a fifth at most.
    assert webhook_delivery.retry_delay(3, jitter=0.999) == pytest.approx(120 * 0.8, rel=0.01)
    assert all(96 <= webhook_delivery.retry_delay(3) <= 120 for _ in range(50))


def test_celery_retries_with_the_backoff(db, administrator, receiver, monkeypatch):
    """Not eager: the task asks Celery for a retry after the delay the row was given."""
    receiver.statuses = [503]
    hook = endpoint(administrator, receiver.url)
    (delivery,) = webhooks._queue(EventType.TEST, [{"endpoint": hook.name}], [hook])
    asked = []

    def retry(**options):
        asked.append(options)
        return RuntimeError("retry")

    monkeypatch.setattr(deliver_webhook, "retry", retry)
    with pytest.raises(RuntimeError):
        deliver_webhook.run(delivery.pk, 0)
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.last_status_code) == (State.PENDING, 1, 503)
    assert asked[0]["args"] == (delivery.pk, 1) and 24 <= asked[0]["countdown"] <= 30
    wait = (delivery.next_attempt_at - timezone.now()).total_seconds()
    assert 20 <= wait <= 30
    # The same attempt queued twice (a retry and the sweep) is made once.
    assert deliver_webhook.run(delivery.pk, 0) is None and len(receiver.received) == 1


def test_a_receiver_that_never_answers_well_ends_failed(
    db, eager_tasks, django_capture_on_commit_callbacks, administrator, supervisor
):
    with Receiver(statuses=[500]) as broken:
        endpoint(administrator, broken.url, [EventType.HOLD_PLACED])
        case = climb_to(create_case(dpd=20), CaseState.PHONE, by=supervisor)
        with django_capture_on_commit_callbacks(execute=True):
            services.place_hold(case, Hold.Kind.DISPUTE, by=supervisor)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.attempts) == (State.FAILED, webhook_delivery.MAX_ATTEMPTS)
    assert len(broken.received) == webhook_delivery.MAX_ATTEMPTS
    assert delivery.last_status_code == 500 and "500" in delivery.last_error and delivery.next_attempt_at is None


def test_a_refused_connection_is_a_failed_attempt(db, administrator):
    with Receiver() as gone:
        url = gone.url
    hook = endpoint(administrator, url)
    (delivery,) = webhooks._queue(EventType.TEST, [{"endpoint": hook.name}], [hook])
    outcome = webhook_delivery.attempt(delivery.pk, 0)
    delivery.refresh_from_db()
    assert outcome.state == State.PENDING and outcome.retry_in
    assert delivery.attempts == 1 and delivery.last_status_code is None and delivery.last_error


def test_the_sweep_queues_again_what_a_lost_message_left(
    db, eager_tasks, django_capture_on_commit_callbacks, administrator, receiver
):
    hook = endpoint(administrator, receiver.url)
    (lost,) = webhooks._queue(EventType.TEST, [{"endpoint": hook.name}], [hook])  # its task never ran
    (recent,) = webhooks._queue(EventType.TEST, [{"endpoint": hook.name}], [hook])
    WebhookDelivery.objects.filter(pk=lost.pk).update(next_attempt_at=timezone.now() - timedelta(minutes=5))
    assert sweep_webhook_deliveries() == 1
    lost.refresh_from_db()
    recent.refresh_from_db()
    assert lost.state == State.DELIVERED and recent.state == State.PENDING and len(receiver.received) == 1
    assert sweep_webhook_deliveries() == 0


def test_the_admin_shows_the_secret_once_and_retries_from_the_log(
    db, eager_tasks, django_capture_on_commit_callbacks, administrator, reviewer, receiver
):
    admin = client_for(administrator)
    page = admin.post(
        reverse("admin:api_webhookendpoint_add"),
        {"name": "Dialer", "url": receiver.url, "events": ["case.closed", "hold.placed"]},
    )
    hook = WebhookEndpoint.objects.get(name="Dialer")
    assert hook.events == ["case.closed", "hold.placed"] and hook.created_by == administrator
    assert hook.secret.startswith("whsec_") and hook.secret in page.content.decode()
    change = admin.get(reverse("admin:api_webhookendpoint_change", args=[hook.pk])).content.decode()
    assert hook.secret not in change
    with django_capture_on_commit_callbacks(execute=True):
        admin.post(
            reverse("admin:api_webhookendpoint_changelist"),
            {"action": "send_test_events", "_selected_action": [hook.pk]},
        )
    (event,) = receiver.events()
    assert event["type"] == "webhook.test" and verify(hook.secret, receiver.received[0])
    delivery = WebhookDelivery.objects.get()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(state=State.FAILED)
    log = reverse("admin:api_webhookdelivery_changelist")
    # A reviewer reads the log but may not send anything again.
    reviewer_page = client_for(reviewer).get(log)
    assert reviewer_page.status_code == 200 and "retry_now" not in reviewer_page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        admin.post(log, {"action": "retry_now", "_selected_action": [delivery.pk]})
    delivery.refresh_from_db()
    assert delivery.state == State.DELIVERED and delivery.attempts == 2 and len(receiver.received) == 2


def test_beat_sweeps_every_minute(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["sweep-webhook-deliveries"]
    assert entry == {"task": sweep_webhook_deliveries.name, "schedule": 60.0}
    assert "check-promises" in settings.CELERY_BEAT_SCHEDULE  # merged, not replaced
