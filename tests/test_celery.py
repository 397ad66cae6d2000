"""A real Celery worker (in a thread) picks a task off the configured broker:
the file-system broker on the embedded default, Redis when REDIS_URL is set."""

from datetime import timedelta
import threading
import time

from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.conf import settings
from django.utils import timezone
import pytest

from cases import services
from cases.models import CaseState, CollectionCase, Hold
from collections_site.celery import app
from core.tasks import run_scheduled_job
from tests.factories import climb_to, create_case


@pytest.fixture(scope="module")
def isolated_broker(tmp_path_factory):
    """Keep the tests' messages away from a demo worker sharing var/. One folder for the
    whole module: kombu's producer pool keeps its first connection (and folder)."""
    if settings.REDIS_URL:
        yield
        return
    queue = tmp_path_factory.mktemp("celery-queue")
    original = app.conf.broker_transport_options
    _drop_broker_connections()
    # The worker looks for new files ten times a second (kombu's default is once a second).
    app.conf.broker_transport_options = {
        **original,
        "data_folder_in": str(queue),
        "data_folder_out": str(queue),
        "polling_interval": 0.1,
    }
    yield
    _drop_broker_connections()
    app.conf.broker_transport_options = original


def _drop_broker_connections():
    """Pools keep connections made with the old transport options: start afresh."""
    app.pool.force_close_all()
    app._pool = None
    app.amqp._producer_pool = None


class Worker:
    """One real worker (a thread of this process, solo pool) for the module's tests, and a
    way to wait until it has finished a given task: its task_postrun signal, sent by the
    worker once the task's work is done and committed."""

    def __init__(self):
        self.finished = {}
        self.changed = threading.Condition()

    def on_task_postrun(self, task_id=None, state=None, **kwargs):
        with self.changed:
            self.finished[task_id] = state
            self.changed.notify_all()

    def run(self, task, *args, timeout=20):
        """Send ``task`` through the broker and return the state the worker ended it in."""
        result = task.delay(*args)
        with self.changed:
            assert self.changed.wait_for(lambda: result.id in self.finished, timeout=timeout), (
                f"the worker did not finish {task.name}{args} within {timeout} s"
            )
            return self.finished.pop(result.id)


@pytest.fixture(scope="module")
def worker(isolated_broker):
    """Started once for the module: a worker's start and stop take seconds, a task
    milliseconds. Between tests it sits idle on an empty queue."""
    waiter = Worker()
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        task_postrun.connect(waiter.on_task_postrun, weak=False)
        try:
            yield waiter
        finally:
            task_postrun.disconnect(waiter.on_task_postrun)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_worker_releases_an_expired_hold(worker, supervisor):
    case = climb_to(create_case(dpd=20), CaseState.PHONE, by=supervisor)
    hold = services.place_hold(case, Hold.Kind.DISPUTE, by=supervisor, until=timezone.now() + timedelta(seconds=1))
    assert CollectionCase.objects.get(pk=case.pk).state == CaseState.ON_HOLD
    time.sleep(1.1)
    assert worker.run(run_scheduled_job, "release_expired_holds") == "SUCCESS"
    assert Hold.objects.get(pk=hold.pk).released_at is not None
    assert CollectionCase.objects.get(pk=case.pk).state == CaseState.PHONE


@pytest.mark.redis
def test_redis_is_the_broker_when_configured():
    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=2)
        assert conn.transport_cls == "redis" or conn.transport.driver_type == "redis"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_worker_delivers_a_due_reminder_exactly_once_and_not_before_the_window(worker, tmp_path, settings):
    """Through the configured broker (Redis in CI) and a real worker thread."""
    from unittest import mock

    from contacts.gateways.file import delivered
    from contacts.models import OutboundMessage
    from contacts.services import approve_template, save_template_version
    from policy.codes import Channel
    from tests.clock import NEW_YORK, local
    from tests.factories import make_user, phone_case

    settings.OUTBOX_DIR = tmp_path / "outbox"
    author, reviewer = make_user("Administrator"), make_user("Compliance reviewer")
    template = approve_template(
        save_template_version(
            code="sms-reminder-en", channel=Channel.SMS, language="en", by=author, body="Hello {borrower_name}"
        ),
        by=reviewer,
    )
    case = phone_case(profile="US-REGF", zone="America/New_York", phones=("+12125550123",), rung=CaseState.REMINDER)
    slot = local(NEW_YORK, hour=7, minute=30)
    message = OutboundMessage.objects.create(
        case=case,
        channel=Channel.SMS,
        template=template,
        contact_point=case.points[0],
        slot=slot,
        scheduled_for=slot,
        idempotency_key=OutboundMessage.key_for(case.pk, template.pk, slot),
    )

    def run_on_worker(at):
        """The worker's clock (this process's) reads ``at`` until it has run the dispatch."""
        with mock.patch("django.utils.timezone.now", return_value=at):
            assert worker.run(run_scheduled_job, "dispatch_outbox") == "SUCCESS"

    run_on_worker(local(NEW_YORK, hour=7, minute=45))
    message.refresh_from_db()
    assert message.state == OutboundMessage.State.SCHEDULED and message.scheduled_for == local(NEW_YORK, hour=8)
    assert delivered("sms", settings.OUTBOX_DIR) == []
    run_on_worker(local(NEW_YORK, hour=8, minute=1))
    run_on_worker(local(NEW_YORK, hour=8, minute=2))  # nothing left to send
    message.refresh_from_db()
    assert message.state == OutboundMessage.State.SENT
    assert len(delivered("sms", settings.OUTBOX_DIR)) == 1


def test_file_broker_never_shows_a_worker_half_a_message(tmp_path, monkeypatch):
    """kombu's file-system transport creates a message's file before writing into it, and a
    worker listing the folder in between read an empty message and stopped. The embedded
    broker's transport (collections_site/broker.py) writes it whole under another name first."""
    from queue import Empty

    from kombu import Connection

    from collections_site import broker

    folder = {"data_folder_in": str(tmp_path), "data_folder_out": str(tmp_path)}
    channel = Connection(
        "filesystem://", transport="collections_site.broker:Transport", transport_options=folder
    ).default_channel
    seen_while_writing = []

    def encode_while_a_worker_looks(payload):
        # With kombu's own transport the worker finds the empty file here: JSONDecodeError.
        try:
            seen_while_writing.append(channel._get("celery"))
        except Empty:
            seen_while_writing.append("nothing")
        return real_dumps(payload)

    real_dumps = broker.dumps
    monkeypatch.setattr(broker, "dumps", encode_while_a_worker_looks)
    channel._put("celery", {"body": "a task"})
    assert seen_while_writing == ["nothing"]
    assert channel._get("celery") == {"body": "a task"}
    if not settings.REDIS_URL:
        assert settings.CELERY_BROKER_TRANSPORT == "collections_site.broker:Transport"
        with app.connection_for_write() as conn:
            assert isinstance(conn.transport, broker.Transport)
