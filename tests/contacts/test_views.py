"""Logging contacts on the case desk, as far as tests/desk does not already cover it: the
desk judges before anything is made, a call is recorded as made by its collector, the
form refuses what is not the borrower's or says nothing, who may not log is turned away,
the timeline in the borrower's time, and a queue that holds only the collector's cases.
(Save & next, refusals stored as blocked, the promise that follows, another collector's
case and the query bounds: tests/desk.)"""

from datetime import timedelta
from unittest import mock

from django.urls import reverse
import pytest

from cases.models import CollectionCase
from contacts.models import ContactAttempt
from desk import queue
from policy.codes import Channel, Outcome
from tests.clients import client_for
from tests.clock import SHANGHAI, local
from tests.factories import past, phone_case


def mine(collector, **kwargs):
    case = phone_case(**kwargs)
    CollectionCase.objects.filter(pk=case.pk).update(assigned_collector=collector)
    return case


def at_borrower_time(hour, minute=0):
    """Freeze 'now' at a borrower-local (Shanghai) time a week ahead."""
    return mock.patch("django.utils.timezone.now", return_value=local(SHANGHAI, hour=hour, minute=minute))


def call(case, **fields):
    data = {"route": f"{Channel.PHONE_CALL}:{case.points[0].pk}", "outcome": Outcome.NO_ANSWER, "note": ""}
    data.update(fields)
    return data


def phone_call_line(response):
    (line,) = [line for line in response.context["banner"] if line.channel == Channel.PHONE_CALL]
    return line


def test_the_desk_judges_the_call_before_it_is_made_and_records_nothing(db, collector):
    case = mine(collector)
    client = client_for(collector)
    with at_borrower_time(22, 30):
        late = client.get(reverse("desk:case", args=[case.pk]))
    page = late.content.decode()
    assert not phone_call_line(late).decision.allowed
    assert "Not now" in page and "It is 22:30 for the borrower" in page and "contact only 08:00–22:00" in page
    assert "Allowed again from" in page
    # No outcome asked: inside the hours the same call is allowed, and the form is offered.
    with at_borrower_time(10):
        day = client.get(reverse("desk:case", args=[case.pk]))
    assert phone_call_line(day).decision.allowed and "✓ Allowed" in day.content.decode()
    assert 'class="log-form"' in day.content.decode()
    assert not ContactAttempt.objects.exists()


def test_save_and_stay_records_the_collectors_call_and_returns_to_the_case(db, collector):
    case = mine(collector)
    with at_borrower_time(10):
        response = client_for(collector).post(
            reverse("desk:log", args=[case.pk]), call(case, outcome=Outcome.RIGHT_PARTY, note="Pays Friday", stay="1")
        )
    assert response.status_code == 302 and response["Location"] == reverse("desk:case", args=[case.pk])
    attempt = ContactAttempt.objects.get()
    assert attempt.allowed and attempt.agent == collector and attempt.note == "Pays Friday"
    assert attempt.channel == Channel.PHONE_CALL and attempt.contact_point == case.points[0]


def test_save_without_outcome_is_a_field_error(db, collector):
    case = mine(collector)
    with at_borrower_time(10):
        response = client_for(collector).post(reverse("desk:log", args=[case.pk]), call(case, outcome=""))
    assert response.status_code == 400 and "outcome" in response.context["forms"]["log"].errors
    assert response.context["open"] == "log" and not ContactAttempt.objects.exists()


def test_point_of_another_borrower_is_refused_by_the_form(db, collector):
    case = mine(collector)
    other = phone_case(phones=("+8613800000077",))
    with at_borrower_time(10):
        response = client_for(collector).post(
            reverse("desk:log", args=[case.pk]), call(case, route=f"{Channel.PHONE_CALL}:{other.points[0].pk}")
        )
    assert response.status_code == 400 and "route" in response.context["forms"]["log"].errors
    assert not ContactAttempt.objects.exists()


def test_reviewers_cannot_log_contacts(db, reviewer, collector):
    case = mine(collector)
    client = client_for(reviewer)
    with at_borrower_time(10):
        desk = client.get(reverse("desk:case", args=[case.pk]))
        posted = client.post(reverse("desk:log", args=[case.pk]), call(case))
    # They read the case (and the banner), but get no form, and a post is refused.
    assert desk.status_code == 200 and phone_call_line(desk).decision.allowed
    assert 'class="log-form"' not in desk.content.decode()
    assert posted.status_code == 403 and not ContactAttempt.objects.exists()


@pytest.mark.parametrize(
    "reader, page", [("supervisor", "admin:cases_collectioncase_change"), ("collector", "desk:case")]
)
def test_case_timeline_marks_blocked_attempts_with_borrower_local_time(db, request, collector, reader, page):
    case = mine(collector, profile="US-REGF", zone="America/New_York", phones=("+12125550123",))
    past(case, local(SHANGHAI, hour=9), allowed=False)
    hours = {"local_time": "2026-11-01T21:30-05:00", "zone": "America/New_York", "start": "08:00", "end": "21:00"}
    ContactAttempt.objects.filter(allowed=False).update(
        reasons=["outside_hours"],
        refusal_params=[{"reason": "outside_hours", "params": hours}],
        explanations=["(the words shown at the time)"],
    )
    response = client_for(request.getfixturevalue(reader)).get(reverse(page, args=[case.pk]))
    assert response.status_code == 200
    timeline = response.content.decode().split('class="contact-timeline"')[1].split("</table>")[0]
    # Worded from its parameters for this reader, the reason by its label, never its code.
    assert "BLOCKED" in timeline
    assert "It is 21:30 for the borrower (America/New_York); contact only 08:00–21:00." in timeline
    assert "Outside the borrower&#x27;s contact hours" in timeline and "outside_hours" not in timeline
    # 09:00 in Shanghai is 20:00 (EST) the evening before in New York.
    evening_before = (local(SHANGHAI, hour=9) - timedelta(days=1)).date()
    assert f"{evening_before.day} {evening_before:%b %Y} 20:00 EST" in timeline


def test_the_queue_holds_only_the_collectors_own_cases_and_says_why_not_now(db, collector, other_collector):
    high = mine(collector, dpd=60)
    capped = mine(collector, dpd=90)
    for hour in (8, 9):
        past(capped, local(SHANGHAI, hour=hour), outcome=Outcome.RIGHT_PARTY)
    past(capped, local(SHANGHAI, hour=9, minute=30), outcome=Outcome.RIGHT_PARTY)
    theirs = mine(other_collector, dpd=100)
    nobodys = phone_case(dpd=100)
    client = client_for(collector)
    with at_borrower_time(10):
        pages = {key: client.get(reverse("desk:queue"), {"section": key}).content.decode() for key in queue.SECTIONS}
    assert high.account.loan_number in pages["phone_now"] and "May be phoned now." in pages["phone_now"]
    later = pages["later"].split('class="queue-rows"')[1]
    assert capped.account.loan_number in later and "3 connected calls" in later and "Allowed from" in later
    for page in pages.values():
        assert theirs.account.loan_number not in page and nobodys.account.loan_number not in page
