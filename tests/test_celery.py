"""A real Celery worker (in a thread) picks a task off the configured broker:
the file-system broker on the embedded default, Redis when REDIS_URL is set."""
from datetime import timedelta
import time

from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.utils import timezone
import pytest

from cases import services
from cases.models import CaseState, CollectionCase, Hold
from core.tasks import run_scheduled_job
from collections_site.celery import app
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
    app.conf.broker_transport_options = {**original, "data_folder_in": str(queue), "data_folder_out": str(queue)}
    yield
    _drop_broker_connections()
    app.conf.broker_transport_options = original


def _drop_broker_connections():
    """Pools keep connections made with the old transport options: start afresh."""
    app.pool.force_close_all()
    app._pool = None
    app.amqp._producer_pool = None


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_worker_releases_an_expired_hold(isolated_broker, supervisor):
    case = climb_to(create_case(dpd=20), CaseState.PHONE, by=supervisor)
    hold = services.place_hold(case, Hold.Kind.DISPUTE, by=supervisor, until=timezone.now() + timedelta(seconds=1))
    assert CollectionCase.objects.get(pk=case.pk).state == CaseState.ON_HOLD
    time.sleep(1.1)
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        run_scheduled_job.delay("release_expired_holds")
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and Hold.objects.get(pk=hold.pk).released_at is None:
            time.sleep(0.2)
    assert Hold.objects.get(pk=hold.pk).released_at is not None
    assert CollectionCase.objects.get(pk=case.pk).state == CaseState.PHONE


@pytest.mark.redis
def test_redis_is_the_broker_when_configured():
    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=2)
        assert conn.transport_cls == "redis" or conn.transport.driver_type == "redis"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_worker_delivers_a_due_reminder_exactly_once_and_not_before_the_window(isolated_broker, tmp_path, settings):
    """Through the configured broker (Redis in CI) and a real worker thread."""
    from unittest import mock

    from contacts.gateways.file import delivered
    from policy.codes import Channel
    from contacts.models import OutboundMessage
    from contacts.services import approve_template, save_template_version
    from tests.factories import make_user
    from tests.clock import NEW_YORK, local
    from tests.factories import phone_case

    settings.OUTBOX_DIR = tmp_path / "outbox"
    author, reviewer = make_user("Administrator"), make_user("Compliance reviewer")
    template = approve_template(save_template_version(code="sms-reminder-en", channel=Channel.SMS, language="en",
                                                      by=author, body="Hello {borrower_name}"), by=reviewer)
    case = phone_case(profile="US-REGF", zone="America/New_York", phones=("+12125550123",), rung=CaseState.REMINDER)
    slot = local(NEW_YORK, hour=7, minute=30)
    message = OutboundMessage.objects.create(
        case=case, channel=Channel.SMS, template=template, contact_point=case.points[0], slot=slot, scheduled_for=slot,
        idempotency_key=OutboundMessage.key_for(case.pk, template.pk, slot))

    def run_on_worker(at, expect_change=True):
        with mock.patch("django.utils.timezone.now", return_value=at):
            run_scheduled_job.delay("dispatch_outbox")
            deadline = time.monotonic() + (20 if expect_change else 3)
            before = OutboundMessage.objects.get(pk=message.pk).history.count()
            while time.monotonic() < deadline and OutboundMessage.objects.get(pk=message.pk).history.count() == before:
                time.sleep(0.2)

    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        run_on_worker(local(NEW_YORK, hour=7, minute=45))
        message.refresh_from_db()
        assert message.state == OutboundMessage.State.SCHEDULED and message.scheduled_for == local(NEW_YORK, hour=8)
        assert delivered("sms", settings.OUTBOX_DIR) == []
        run_on_worker(local(NEW_YORK, hour=8, minute=1))
        run_on_worker(local(NEW_YORK, hour=8, minute=2), expect_change=False)  # nothing left to send
    message.refresh_from_db()
    assert message.state == OutboundMessage.State.SENT
    assert len(delivered("sms", settings.OUTBOX_DIR)) == 1
