"""Transitions without a button (the side states and payoff) follow from promises, holds
and payments: posted by name — through the admin form or the service — they are refused
for everyone, and an arrangement ends only once its promise or plan has ended."""

from decimal import Decimal
import re

from django.urls import reverse
from django.utils import timezone
import pytest

from cases import services
from cases.exceptions import TransitionRefused
from cases.models import CaseEvent, CaseState, CollectionCase, Hold
from core.exceptions import NotPermitted
from tests.clients import client_for
from tests.factories import climb_to, create_case

HIDDEN = ["start_arrangement", "end_arrangement", "put_on_hold", "release_from_hold", "resolve"]


def _case_where(name: str, collector, supervisor) -> CollectionCase:
    """A case standing where ``name`` starts."""
    case = climb_to(create_case(dpd=40, collector=collector), CaseState.PHONE, by=supervisor)
    if name == "end_arrangement":
        services.record_promise(case, Decimal("100"), timezone.localdate(), by=collector)
    if name == "release_from_hold":
        services.place_hold(case, Hold.Kind.DISPUTE, by=supervisor, note="disputes it")
    return CollectionCase.objects.get(pk=case.pk)


@pytest.mark.parametrize("name", HIDDEN)
def test_a_hidden_transition_is_refused_to_everyone_by_the_service(db, collector, supervisor, name):
    case = _case_where(name, collector, supervisor)
    before = case.state
    for person in (collector, supervisor):
        with pytest.raises(NotPermitted, match="nobody takes it by hand"):
            services.apply_transition(case, name, by=person, reason="posted by name")
    assert CollectionCase.objects.get(pk=case.pk).state == before
    assert not case.events.filter(kind=CaseEvent.Kind.TRANSITION, transition=name).exists()


@pytest.mark.parametrize("name", HIDDEN)
def test_a_hidden_transition_posted_through_the_admin_form_changes_nothing(db, collector, supervisor, name):
    case = _case_where(name, collector, supervisor)
    before = case.state
    url = reverse("admin:cases_collectioncase_change", args=[case.pk])
    client = client_for(supervisor)
    # As a browser would post it: the form's hidden inputs, and the transition's name.
    hidden = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', client.get(url).content.decode())
    data = {name: value for name, value in hidden if name != "csrfmiddlewaretoken"}
    response = client.post(url, {**data, "_fsm_transition_to": name}, follow=True)
    assert response.status_code == 200
    assert CollectionCase.objects.get(pk=case.pk).state == before
    assert "nobody takes it by hand" in response.content.decode()


def test_an_arrangement_ends_only_when_its_promise_has_ended(db, collector, supervisor):
    """The reproduction: a collector ended the arrangement of a case with a pending promise
    and escalated it to written notice."""
    case = _case_where("end_arrangement", collector, supervisor)
    assert case.state == CaseState.ARRANGEMENT
    with pytest.raises(NotPermitted):
        services.apply_transition(case, "end_arrangement", by=collector)
    with pytest.raises(TransitionRefused, match="still running"):
        services.apply_transition(case, "end_arrangement", by=None, reason="system, too early")
    with pytest.raises(TransitionRefused):
        services.escalate(case, by=collector, reason="to written notice")
    assert CollectionCase.objects.get(pk=case.pk).state == CaseState.ARRANGEMENT
