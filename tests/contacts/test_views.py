"""The collector's pages: log a contact (checked before saving), the timeline, the queue."""

from datetime import timedelta
from unittest import mock

from django.urls import reverse

from cases.models import CollectionCase
from contacts.models import ContactAttempt
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


def form(case, **fields):
    data = {"channel": Channel.PHONE_CALL, "contact_point": case.points[0].pk, "outcome": Outcome.NO_ANSWER, "note": ""}
    data.update(fields)
    return data


def test_check_shows_the_decision_and_saves_nothing(db, collector):
    case = mine(collector)
    url = reverse("contacts:log_contact", args=[case.pk])
    with at_borrower_time(22, 30):
        page = client_for(collector).post(url, form(case, check="1")).content.decode()
    assert "Refused" in page and "22:30 for the borrower" in page and "contact only 08:00–22:00" in page
    assert "Allowed again from" in page
    assert not ContactAttempt.objects.exists()


def test_check_needs_no_outcome(db, collector):
    case = mine(collector)
    with at_borrower_time(10):
        page = (
            client_for(collector)
            .post(reverse("contacts:log_contact", args=[case.pk]), form(case, check="1", outcome=""))
            .content.decode()
        )
    assert "Allowed now" in page and not ContactAttempt.objects.exists()


def test_save_records_an_allowed_call_and_returns_to_the_case(db, collector):
    case = mine(collector)
    with at_borrower_time(10):
        response = client_for(collector).post(
            reverse("contacts:log_contact", args=[case.pk]),
            form(case, save="1", outcome=Outcome.RIGHT_PARTY, note="Pays Friday"),
        )
    assert response.status_code == 302 and response["Location"].endswith(f"/collectioncase/{case.pk}/change/")
    attempt = ContactAttempt.objects.get()
    assert attempt.allowed and attempt.agent == collector and attempt.note == "Pays Friday"


def test_a_refused_save_is_stored_as_blocked_and_explained(db, collector):
    case = mine(collector)
    with at_borrower_time(7, 15):
        page = client_for(collector).post(reverse("contacts:log_contact", args=[case.pk]), form(case, save="1"))
    assert page.status_code == 200 and "refusal was recorded" in page.content.decode()
    attempt = ContactAttempt.objects.get()
    assert not attempt.allowed and attempt.reasons == ["outside_hours"]


def test_promise_outcome_opens_the_promise_form(db, collector):
    case = mine(collector)
    with at_borrower_time(10):
        response = client_for(collector).post(
            reverse("contacts:log_contact", args=[case.pk]), form(case, save="1", outcome=Outcome.PROMISE_TO_PAY)
        )
    assert response["Location"] == f"{reverse('admin:cases_promisetopay_add')}?case={case.pk}"


def test_save_without_outcome_is_a_field_error(db, collector):
    case = mine(collector)
    page = client_for(collector).post(reverse("contacts:log_contact", args=[case.pk]), form(case, save="1", outcome=""))
    assert "Say what happened" in page.content.decode() and not ContactAttempt.objects.exists()


def test_point_of_another_borrower_is_refused_by_the_form(db, collector):
    case = mine(collector)
    other = phone_case(phones=("+8613800000077",))
    page = client_for(collector).post(
        reverse("contacts:log_contact", args=[case.pk]), form(case, save="1", contact_point=other.points[0].pk)
    )
    assert page.status_code == 200 and "contact_point" in page.context["form"].errors
    assert not ContactAttempt.objects.exists()


def test_collectors_cannot_log_on_other_collectors_cases(db, collector, other_collector):
    case = mine(other_collector)
    response = client_for(collector).post(reverse("contacts:log_contact", args=[case.pk]), form(case, save="1"))
    assert response.status_code == 404 and not ContactAttempt.objects.exists()


def test_reviewers_cannot_log_contacts(db, reviewer, collector):
    case = mine(collector)
    assert client_for(reviewer).get(reverse("contacts:log_contact", args=[case.pk])).status_code == 404


def test_case_page_timeline_marks_blocked_attempts_with_borrower_local_time(db, collector, supervisor):
    case = mine(collector, profile="US-REGF", zone="America/New_York", phones=("+12125550123",))
    past(case, local(SHANGHAI, hour=9), allowed=False)
    hours = {"local_time": "2026-11-01T21:30-05:00", "zone": "America/New_York", "start": "08:00", "end": "21:00"}
    ContactAttempt.objects.filter(allowed=False).update(
        reasons=["outside_hours"],
        refusal_params=[{"reason": "outside_hours", "params": hours}],
        explanations=["(the words shown at the time)"],
    )
    page = client_for(supervisor).get(reverse("admin:cases_collectioncase_change", args=[case.pk])).content.decode()
    # Worded from its parameters for this reader, the reason by its label, never its code.
    assert "BLOCKED" in page and "It is 21:30 for the borrower (America/New_York); contact only 08:00–21:00." in page
    assert "Outside the borrower&#x27;s contact hours" in page and "outside_hours" not in page
    # 09:00 in Shanghai is 20:00 (EST) the evening before in New York.
    evening_before = (local(SHANGHAI, hour=9) - timedelta(days=1)).date()
    assert f"{evening_before.day} {evening_before:%b %Y} 20:00 EST" in page


def test_work_queue_orders_by_priority_and_lists_the_rest_with_times(db, collector):
    low = mine(collector, dpd=20)
    high = mine(collector, dpd=60)
    capped = mine(collector, dpd=90)
    for hour in (8, 9):
        past(capped, local(SHANGHAI, hour=hour), outcome=Outcome.RIGHT_PARTY)
    past(capped, local(SHANGHAI, hour=9, minute=30), outcome=Outcome.RIGHT_PARTY)
    not_mine = phone_case(dpd=100)
    with at_borrower_time(10):
        page = client_for(collector).get(reverse("contacts:work_queue")).content.decode()
    now_section, later_section = page.split("<h2>Later")
    assert now_section.index(high.account.loan_number) < now_section.index(low.account.loan_number)
    assert capped.account.loan_number in later_section and "3 connected calls" in later_section
    assert not_mine.account.loan_number not in page


def test_work_queue_query_count_does_not_grow_with_the_queue(db, collector, django_assert_max_num_queries):
    client = client_for(collector)
    mine(collector)
    with at_borrower_time(10):
        client.get(reverse("contacts:work_queue"))
        with django_assert_max_num_queries(20) as few:
            client.get(reverse("contacts:work_queue"))
        for _ in range(15):
            case = mine(collector)
            past(case, local(SHANGHAI, hour=9))
        with django_assert_max_num_queries(len(few.captured_queries)):
            page = client.get(reverse("contacts:work_queue")).content.decode()
    assert page.count("Log contact") == 16
