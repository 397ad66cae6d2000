"""
The bench's worker processes: two OS processes (each its own Django, like two Celery
workers) dispatching the same due set at once send each message once, in the database
the test runs on.
"""

from pathlib import Path

from django.utils import timezone
import pytest

from bench.dispatchers import dispatching
from cases.models import CaseState
from contacts.gateways.file import delivered
from contacts.models import ContactAttempt, OutboundMessage
from policy.codes import Channel
from tests.factories import approved_template, phone_case

pytestmark = pytest.mark.postgres
State = OutboundMessage.State


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_worker_processes_send_each_due_message_once(tmp_path):
    template = approved_template("sms-reminder", Channel.SMS, "{borrower_name}")
    # Borrowers in Shanghai and New York: whatever the hour the test runs at, one of the
    # two is inside contact hours, so some messages are sent and some may be deferred.
    cases = [phone_case(dpd=3, rung=CaseState.REMINDER, phones=(f"+86138000003{i:02d}",)) for i in range(20)] + [
        phone_case(profile="US-REGF", zone="America/New_York", rung=CaseState.REMINDER, phones=(f"+1212555{i:04d}",))
        for i in range(20)
    ]
    now = timezone.now()
    for case in cases:
        OutboundMessage.objects.create(
            case=case,
            channel=Channel.SMS,
            template=template,
            contact_point=case.points[0],
            slot=now,
            scheduled_for=now - timezone.timedelta(seconds=1),
            idempotency_key=OutboundMessage.key_for(case.pk, template.pk, now),
        )

    run = dispatching(processes=2, folder=str(tmp_path), batch=7, timeout=120)

    assert run["processes"] == 2 and len(run["per_process"]) == 2
    assert run["processed"] == run["sent"] + run["deferred"] + run["suppressed"] == 40
    assert run["sent"] > 0 and run["failed"] == run["retry"] == 0
    files = delivered(Channel.SMS, Path(tmp_path))
    assert len(files) == len({f["key"] for f in files}) == run["sent"]
    assert OutboundMessage.objects.filter(state=State.SENT).count() == run["sent"]
    assert ContactAttempt.objects.filter(allowed=True, channel=Channel.SMS).count() == run["sent"]
    assert not OutboundMessage.objects.filter(state=State.SENDING).exists()
