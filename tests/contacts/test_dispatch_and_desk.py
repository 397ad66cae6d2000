"""The outbox's dispatch round and a collector working the same borrower at the same moment,
on PostgreSQL through the live server: both lock the borrower, then the case, then write
attempts and queue their ledger rows. Neither may deadlock or fail, and both caps — texts
per borrower per day, unanswered calls per number per day — stay exact."""

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
import threading
from unittest import mock

from django.db import connection
from django.test import override_settings
import pytest

from audit.ledger import seal_pending
from audit.verify import verify_chain
from contacts import outbox
from contacts.models import ContactAttempt, OutboundMessage
from contacts.services import approve_template, save_template_version
from policy.codes import Channel
from policy.selectors import current_profile
from tests.clients import live_poster, session_for
from tests.clock import SHANGHAI, local
from tests.factories import make_user, phone_case

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

TEN_AM = local(SHANGHAI, day_offset=3, hour=10)


def _sms_template():
    author, reviewer = make_user("Administrator"), make_user("Compliance reviewer")
    template = save_template_version(
        code="sms-reminder", channel=Channel.SMS, language="zh-hans", by=author, body="{borrower_name}"
    )
    return approve_template(template, by=reviewer)


def test_a_dispatch_round_and_a_collector_on_the_same_borrower_at_once(live_server, collector, tmp_path):
    case = phone_case(phones=("+8613800000021",))
    case.assigned_collector = collector
    case.save(update_fields=["assigned_collector"])
    point = case.points[0]
    template = _sms_template()
    for minutes in range(8):  # eight reminders due at once for one borrower
        slot = TEN_AM - timedelta(minutes=minutes + 1)
        OutboundMessage.objects.create(
            case=case,
            channel=Channel.SMS,
            template=template,
            contact_point=point,
            slot=slot,
            scheduled_for=slot,
            idempotency_key=OutboundMessage.key_for(case.pk, template.pk, slot),
        )
    profile = current_profile("CN")
    rounds, failures = [], []
    start = threading.Barrier(2)

    def dispatch():
        try:
            start.wait(timeout=30)
            with override_settings(OUTBOX_DIR=tmp_path / "outbox"):
                for _ in range(4):
                    rounds.append(outbox.dispatch_outbox(batch=3))
        except Exception as error:  # the assertion below names it
            failures.append(error)
        finally:
            connection.close()

    with mock.patch("django.utils.timezone.now", return_value=TEN_AM):
        post = live_poster(live_server, session_for(collector), case)
        dispatcher = threading.Thread(target=dispatch)
        dispatcher.start()
        start.wait(timeout=30)
        with ThreadPoolExecutor(max_workers=10) as pool:
            statuses = list(pool.map(lambda _: post(point.pk), range(10)))
        dispatcher.join(timeout=120)
    assert failures == [] and not dispatcher.is_alive()
    assert 500 not in statuses and statuses.count(302) == profile.unanswered_calls_per_number_per_day
    sent = OutboundMessage.objects.filter(case=case, state=OutboundMessage.State.SENT).count()
    assert sent == profile.sms_per_day == ContactAttempt.objects.filter(channel=Channel.SMS, allowed=True).count()
    assert ContactAttempt.objects.filter(channel=Channel.PHONE_CALL, allowed=True).count() == (
        profile.unanswered_calls_per_number_per_day
    )
    seal_pending()
    assert verify_chain().ok, verify_chain().summary()
