"""Recording the end of a crisis treatment from the hold list: the supervisor gives the
date on a page of its own, and the breathing space then ends 30 days later."""

from datetime import timedelta

from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse
from django.utils import timezone

from cases import services as case_services
from cases.models import Hold
from tests.clients import client_for
from tests.factories import phone_case

URL = reverse("admin:cases_hold_changelist")


def _crisis(supervisor):
    case = phone_case(profile="UK-FCA", zone="Europe/London", phones=("+442079460123",))
    return case_services.place_hold(case, Hold.Kind.CRISIS_BREATHING_SPACE, by=supervisor)


def test_the_supervisor_records_the_end_of_treatment_from_the_hold_list(db, supervisor):
    hold = _crisis(supervisor)
    client = client_for(supervisor)
    asked = client.post(
        URL, {"action": "record_treatment_end", ACTION_CHECKBOX_NAME: [hold.pk]}, HTTP_ACCEPT_LANGUAGE="en"
    )
    page = asked.content.decode()
    assert asked.status_code == 200 and "Crisis treatment ended on" in page and "30 more days" in page
    assert Hold.objects.get(pk=hold.pk).ends_at is None  # asking changes nothing
    ended_on = timezone.localdate()
    done = client.post(
        URL,
        {"action": "record_treatment_end", ACTION_CHECKBOX_NAME: [hold.pk], "apply": "1", "ended_on": ended_on},
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )
    assert "now ends 30 days after the treatment" in done.content.decode()
    hold.refresh_from_db()
    assert (hold.treatment_ended_on, timezone.localtime(hold.ends_at).date()) == (
        ended_on,
        ended_on + timedelta(days=30),
    )


def test_a_missing_date_is_asked_again_and_a_wrong_hold_is_refused_by_name(db, supervisor):
    hold = _crisis(supervisor)
    client = client_for(supervisor)
    again = client.post(
        URL,
        {"action": "record_treatment_end", ACTION_CHECKBOX_NAME: [hold.pk], "apply": "1", "ended_on": "not a date"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert again.status_code == 200 and "Enter a valid date." in again.content.decode()
    dispute = case_services.place_hold(hold.case, Hold.Kind.DISPUTE, by=supervisor)
    refused = client.post(
        URL,
        {
            "action": "record_treatment_end",
            ACTION_CHECKBOX_NAME: [dispute.pk],
            "apply": "1",
            "ended_on": timezone.localdate(),
        },
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )
    assert "Only a mental health crisis breathing space ends with a treatment." in refused.content.decode()
    assert Hold.objects.get(pk=hold.pk).ends_at is None and Hold.objects.get(pk=dispute.pk).ends_at is None


def test_a_collector_cannot_record_the_end_of_treatment(db, supervisor, collector):
    hold = _crisis(supervisor)
    hold.case.assigned_collector = collector
    hold.case.save(update_fields=["assigned_collector"])
    response = client_for(collector).post(
        URL,
        {
            "action": "record_treatment_end",
            ACTION_CHECKBOX_NAME: [hold.pk],
            "apply": "1",
            "ended_on": timezone.localdate(),
        },
    )
    assert response.status_code in (200, 302, 403)
    assert Hold.objects.get(pk=hold.pk).ends_at is None
