"""Supervisors open the contact-intensity charts of their own team: the cases assigned to
a collector of the team and the team's agents; anything outside it is "not found".
Reviewers keep every chart; nobody else opens one."""

from django.urls import reverse
import pytest

from cases.models import TeamMember
from tests.clients import client_for
from tests.factories import create_case, make_user


@pytest.fixture
def teams(db, supervisor):
    mine = make_user("Collector")
    TeamMember.objects.create(user=mine, supervisor=supervisor)
    theirs = make_user("Collector")
    TeamMember.objects.create(user=theirs, supervisor=make_user("Supervisor"))
    loner = make_user("Collector")  # in no team
    return {
        "mine": mine,
        "theirs": theirs,
        "loner": loner,
        "my_case": create_case(collector=mine),
        "their_case": create_case(collector=theirs),
        "loner_case": create_case(collector=loner),
        "unassigned": create_case(),
    }


def case_chart(client, case):
    return client.get(reverse("compliance:case_intensity", args=[case.pk])).status_code


def agent_chart(client, user):
    return client.get(reverse("compliance:agent_intensity", args=[user.pk])).status_code


def test_the_supervisors_access_matrix(teams, supervisor):
    client = client_for(supervisor)
    assert {
        name: case_chart(client, teams[name]) for name in ("my_case", "their_case", "loner_case", "unassigned")
    } == {
        "my_case": 200,
        "their_case": 404,
        "loner_case": 404,
        "unassigned": 404,
    }
    assert {name: agent_chart(client, teams[name]) for name in ("mine", "theirs", "loner")} == {
        "mine": 200,
        "theirs": 404,
        "loner": 404,
    }


def test_the_supervisors_chart_leads_back_to_the_workload_not_to_the_reviewers_pages(teams, supervisor):
    page = client_for(supervisor).get(reverse("compliance:case_intensity", args=[teams["my_case"].pk]))
    html = page.content.decode()
    assert reverse("desk:workload") in html
    assert reverse("compliance:dossier", args=[teams["my_case"].pk]) not in html
    assert f'href="{reverse("compliance:workspace")}"' not in html


def test_a_case_leaving_the_team_leaves_the_supervisors_charts(teams, supervisor):
    from cases import services

    services.assign_cases([teams["my_case"]], teams["theirs"], by=supervisor, reason="Moved to the other team.")
    assert case_chart(client_for(supervisor), teams["my_case"]) == 404


def test_reviewers_keep_every_chart_and_other_roles_none(teams, reviewer, collector, administrator):
    client = client_for(reviewer)
    assert case_chart(client, teams["their_case"]) == 200 and agent_chart(client, teams["loner"]) == 200
    page = client.get(reverse("compliance:case_intensity", args=[teams["their_case"].pk])).content.decode()
    assert reverse("compliance:dossier", args=[teams["their_case"].pk]) in page
    for user in (teams["mine"], administrator, make_user("Field agent")):
        assert case_chart(client_for(user), teams["my_case"]) == 403
        assert agent_chart(client_for(user), teams["mine"]) == 403
