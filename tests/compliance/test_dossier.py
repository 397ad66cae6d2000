"""The case dossier: the whole timeline with who did what and why, printable and
exportable, logged as personal-data access, in a fixed number of queries."""

import csv
from datetime import timedelta
from decimal import Decimal
import io
import re

from django.urls import reverse
import pytest

from audit.models import AccessLog
from cases import services as case_services
from cases.models import CaseEvent, CollectionCase, Hold
from contacts.models import MessageTemplate, OutboundMessage
from contacts.services import ContactBlocked, record_attempt
from policy.codes import Channel, Outcome
from tests.clients import client_for
from tests.clock import NEW_YORK, ago, local
from tests.factories import create_case, make_attempt, past, phone_case


def dossier_url(case):
    return reverse("compliance:dossier", args=[case.pk])


@pytest.fixture
def worked_case(collector, other_collector, supervisor):
    """A Reg F case: a conversation, a call the engine refused during the 7-day wait, the
    same call put through by a supervisor's override, and a reassignment."""
    case = phone_case(profile="US-REGF", zone="America/New_York", phones=("+12125550123",))
    case_services.assign_case(case, collector, by=supervisor)
    past(case, local(NEW_YORK, day_offset=5, hour=10), outcome=Outcome.RIGHT_PARTY, conversation=True)
    at = local(NEW_YORK, hour=10)
    callback_at = local(NEW_YORK, day_offset=14, hour=10)  # a week after the call: Reg F's wait
    with pytest.raises(ContactBlocked) as refused:
        record_attempt(
            case,
            Channel.PHONE_CALL,
            Outcome.CALLBACK,
            by=collector,
            at=at,
            contact_point=case.points[0],
            callback_at=callback_at,
        )
    overridden = record_attempt(
        case,
        Channel.PHONE_CALL,
        Outcome.CALLBACK,
        by=supervisor,
        at=at + timedelta(minutes=5),
        contact_point=case.points[0],
        overridden_by=supervisor,
        override_reason="Borrower asked to be called back today",
        callback_at=callback_at,
    )
    case_services.assign_case(CollectionCase.objects.get(pk=case.pk), other_collector, by=supervisor)
    case.refused, case.overridden = refused.value.attempt, overridden
    return case


def test_dossier_shows_the_blocked_attempt_the_override_and_a_history_diff_with_their_users(
    db, worked_case, reviewer, collector, other_collector, supervisor
):
    response = client_for(reviewer).get(dossier_url(worked_case))
    assert response.status_code == 200
    found = response.context["dossier"]

    blocked = next(e for e in found.timeline if e.record == f"contacts.ContactAttempt#{worked_case.refused.pk}")
    assert blocked.blocked and blocked.actor == collector.username and "post_conversation_wait" in blocked.reasons
    override = next(e for e in found.timeline if e.record == f"contacts.ContactAttempt#{worked_case.overridden.pk}")
    assert override.overridden and not override.blocked
    assert f"Override by {supervisor.username}: Borrower asked to be called back today" in override.details

    reassigned = [c for c in found.history if c.model == "cases.CollectionCase" and c.reason == "assigned"][-1]
    assert reassigned.user == supervisor.username
    assert ("assigned_collector", collector.username, other_collector.username) in reassigned.changes
    attempt_rows = {c.reason: c.user for c in found.history if c.model == "contacts.ContactAttempt"}
    assert attempt_rows["refused by the contact rules"] == collector.username
    assert attempt_rows["refused, then overridden by a supervisor"] == supervisor.username

    page = response.content.decode()
    assert "BLOCKED" in page and "OVERRIDDEN" in page
    # The changed field by its label, in the reader's language (here English), not its column name.
    assert re.search(rf"<li>Assigned collector: {collector.username} → {other_collector.username}</li>", page)
    assert "Borrower asked to be called back today" in page


def test_dossier_shows_templates_and_the_exact_text_sent(db, reviewer, collector):
    case = create_case(collector=collector)
    template = MessageTemplate.objects.create(
        code="sms-test", version=3, channel="sms", language="en", body="Please pay {amount_due}."
    )
    make_attempt(
        case,
        ago(days=1),
        channel=Channel.SMS,
        outcome=Outcome.SENT,
        template=template,
        message_text="Please pay 5,000.00 CNY today.",
    )
    OutboundMessage.objects.create(
        case=case,
        channel=Channel.SMS,
        template=template,
        contact_point=case.account.borrower.contact_points.first(),
        slot=ago(hours=1),
        scheduled_for=ago(hours=1),
        idempotency_key="test-suppressed",
        state=OutboundMessage.State.SUPPRESSED,
        suppressed_reasons=["case_on_hold"],
        body="Reminder never sent.",
    )
    page = client_for(reviewer).get(dossier_url(case)).content.decode()
    assert "sms-test v3" in page and "Please pay 5,000.00 CNY today." in page
    # Why it was dropped, in words: the reason's label (no parameters were stored), never its code.
    assert "Suppressed: Case is on hold." in page and "Reminder never sent." in page
    assert "case_on_hold" not in page


def _varied_history(case, collector, supervisor, turn):
    template = MessageTemplate.objects.create(code=f"q-{turn}", channel="sms", language="en", body="x")
    make_attempt(case, ago(days=3, minutes=turn), agent=collector, allowed=False, reasons=["outside_hours"])
    make_attempt(
        case,
        ago(days=2, minutes=turn),
        agent=supervisor,
        overridden_by=supervisor,
        override_reason="asked",
        reasons=["weekly_cap"],
    )
    made = make_attempt(
        case,
        ago(days=1, minutes=turn),
        channel=Channel.SMS,
        outcome=Outcome.SENT,
        template=template,
        message_text=f"text {turn}",
    )
    OutboundMessage.objects.create(
        case=case,
        channel=Channel.SMS,
        template=template,
        attempt=made,
        contact_point=made.contact_point,
        slot=made.started_at,
        scheduled_for=made.started_at,
        idempotency_key=f"q-{case.pk}-{turn}",
        state=OutboundMessage.State.SENT,
        body=f"text {turn}",
    )
    case_services.record_payment(
        case.account, Decimal("1.00"), ago(hours=turn + 1), f"Q-{case.pk}-{turn}", by=supervisor
    )
    CaseEvent.objects.create(case=case, kind=CaseEvent.Kind.ASSIGNMENT, actor=supervisor, reason=f"turn {turn}")


def test_dossier_query_count_does_not_grow_with_the_case(
    db, reviewer, collector, supervisor, django_assert_max_num_queries
):
    case = create_case(dpd=40, collector=collector)
    _varied_history(case, collector, supervisor, 0)
    client = client_for(reviewer)
    client.get(dossier_url(case))  # warm the session
    with django_assert_max_num_queries(60) as short:
        assert client.get(dossier_url(case)).status_code == 200
    for turn in range(1, 8):
        _varied_history(case, collector, supervisor, turn)
    case_services.place_hold(CollectionCase.objects.get(pk=case.pk), Hold.Kind.DISPUTE, by=supervisor)
    with django_assert_max_num_queries(len(short.captured_queries)):
        response = client.get(dossier_url(case))
    assert response.content.decode().count("OVERRIDDEN") == 8


def test_opening_and_exporting_a_dossier_is_logged(db, worked_case, reviewer):
    client = client_for(reviewer)
    client.get(dossier_url(worked_case))
    client.get(reverse("compliance:dossier_csv", args=[worked_case.pk]))
    logged = list(AccessLog.objects.order_by("pk").values_list("user", "borrower_id", "case_id", "where", "ip"))
    borrower = worked_case.account.borrower_id
    assert logged == [
        (reviewer.pk, borrower, worked_case.pk, "dossier", "127.0.0.1"),
        (reviewer.pk, borrower, worked_case.pk, "dossier CSV", "127.0.0.1"),
    ]
    listing = client.get(reverse("admin:audit_accesslog_changelist")).content.decode()
    assert "case dossier (CSV export)" in listing and reviewer.username in listing


def test_csv_export_carries_the_timeline_and_the_history(db, worked_case, reviewer, supervisor):
    CaseEvent.objects.create(
        case=worked_case, kind=CaseEvent.Kind.ASSIGNMENT, actor=supervisor, reason='=HYPERLINK("http://evil.example")'
    )
    response = client_for(reviewer).get(reverse("compliance:dossier_csv", args=[worked_case.pk]))
    assert response["Content-Type"].startswith("text/csv")
    assert f"dossier-case-{worked_case.pk}-" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.getvalue().decode("utf-8-sig"))))
    header = rows[0]
    as_dicts = [dict(zip(header, row, strict=True)) for row in rows[1:]]
    blocked = [r for r in as_dicts if r["blocked"] == "yes"]
    assert len(blocked) == 1 and "post_conversation_wait" in blocked[0]["reasons"]
    assert any(r["overridden"] == "yes" and supervisor.username in r["details"] for r in as_dicts)
    assert any(
        r["section"] == "history" and r["summary"] == "assigned" and r["who"] == supervisor.username for r in as_dicts
    )
    # A cell a spreadsheet would execute is neutralised.
    assert any(r["summary"].startswith("'=HYPERLINK") for r in as_dicts)


def test_the_dossier_prints_without_scripts_or_cdn(db, worked_case, reviewer):
    page = client_for(reviewer).get(dossier_url(worked_case)).content.decode()
    assert re.search(r'<link rel="stylesheet" media="print" href="/static/compliance/print\.css">', page)
    scripts = re.findall(r"<script([^>]*)>", page)
    assert all('src="/static/' in attributes for attributes in scripts), "inline script or foreign script"
    assert not re.search(r'(src|href)="(https?:)?//', page), "a resource from another host"


def test_dossier_search_by_loan_number(db, worked_case, reviewer):
    client = client_for(reviewer)
    found = client.get(reverse("compliance:dossier_search"), {"loan": worked_case.account.loan_number})
    assert found.status_code == 302 and found["Location"] == dossier_url(worked_case)
    missing = client.get(reverse("compliance:dossier_search"), {"loan": "NOPE-1"}, follow=True)
    assert "No case for loan number" in missing.content.decode()


def test_field_visits_join_the_dossier_once_the_visits_app_has_them(db, reviewer, collector):
    from compliance.selectors import field_visit_model

    FieldVisit = field_visit_model()
    if FieldVisit is None:
        pytest.skip("the visits app does not provide FieldVisit yet")
    case = create_case(collector=collector)
    visit = FieldVisit.objects.create(
        case=case,
        state="in_progress",
        requested_by=collector,
        reason="every phone dead",
        window_start=ago(hours=3),
        window_end=ago(hours=1),
        address="Room 1",
    )
    found = client_for(reviewer).get(dossier_url(case)).context["dossier"]
    entry = next(e for e in found.timeline if e.record == f"visits.FieldVisit#{visit.pk}")
    assert found.visits_included and entry.summary == "every phone dead" and entry.actor == collector.username
    assert any(change.model == "visits.FieldVisit" and change.object_id == visit.pk for change in found.history)
