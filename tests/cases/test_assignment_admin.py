"""The case list's "Assign to a collector…" action and "Allocate unassigned cases now"
button, through the admin as a supervisor uses them, in both languages."""

from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import translation
import pytest

from cases.event_text import EventCode, describe
from cases.models import CaseEvent, CaseState, CollectionCase, TeamMember
from core.models import JobRun
from preferences.models import StaffProfile
from tests.clients import client_for
from tests.factories import create_case, make_user

CHANGELIST = "admin:cases_collectioncase_changelist"


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_a_supervisor_reassigns_twenty_cases_from_the_list(db, supervisor):
    before = make_user("Collector", username="wang")
    after = make_user("Collector", username="li")
    after.first_name, after.last_name = "Li", "Na"
    after.save()
    cases = [create_case(collector=before) for _ in range(20)]
    untouched = create_case(collector=before)
    client = client_for(supervisor)
    selection = {"action": "assign_to_collector", "_selected_action": [case.pk for case in cases]}

    # The list offers the action; choosing it asks for the collector and the reason on a page of its own.
    listing = client.get(reverse(CHANGELIST))
    assert b"assign_to_collector" in listing.content and b"Allocate unassigned cases now" in listing.content
    asked = client.post(reverse(CHANGELIST), selection)
    assert asked.status_code == 200 and asked.templates[0].name == "admin/action_form.html"
    page = asked.content.decode()
    assert 'name="collector"' in page and 'name="reason"' in page
    assert page.count('name="_selected_action"') == 20  # the selection carried along

    # No reason: the question again, nothing assigned.
    again = client.post(reverse(CHANGELIST), {**selection, "apply": "1", "collector": after.pk, "reason": ""})
    assert again.status_code == 200 and again.context["form"].errors["reason"]
    assert CollectionCase.objects.filter(assigned_collector=after).count() == 0

    done = client.post(
        reverse(CHANGELIST), {**selection, "apply": "1", "collector": after.pk, "reason": "Wang moves to legal."}
    )
    assert done.status_code == 302
    assert messages_of(done) == ["20 cases assigned to Li Na."]
    assert set(
        CollectionCase.objects.filter(pk__in=[c.pk for c in cases]).values_list("assigned_collector", flat=True)
    ) == {after.pk}
    assert CollectionCase.objects.get(pk=untouched.pk).assigned_collector == before
    events = CaseEvent.objects.filter(kind=CaseEvent.Kind.ASSIGNMENT, actor=supervisor)
    assert events.count() == 20 and {e.reason for e in events} == {"Wang moves to legal."}
    with translation.override("zh-hans"):
        chinese = describe(events.first())
    assert chinese.startswith("由 wang 改派给 li。") and chinese.endswith("Wang moves to legal.")


def test_the_success_message_and_the_question_in_chinese(db, supervisor):
    target = make_user("Collector", username="zhao")
    cases = [create_case() for _ in range(2)]
    StaffProfile.objects.create(user=supervisor, language="zh-hans")
    client = client_for(supervisor)
    selection = {"action": "assign_to_collector", "_selected_action": [case.pk for case in cases]}
    asked = client.post(reverse(CHANGELIST), selection)
    assert "分派给催收员" in asked.content.decode() and "Assign to a collector" not in asked.content.decode()
    done = client.post(reverse(CHANGELIST), {**selection, "apply": "1", "collector": target.pk, "reason": "平衡工作量"})
    with translation.override("zh-hans"):
        assert messages_of(done) == ["已将 2 个案件分派给 zhao。"]


def test_a_closed_case_in_the_selection_is_refused_by_name(db, supervisor):
    target = make_user("Collector")
    open_case, closed = create_case(), create_case()
    CollectionCase.objects.filter(pk=closed.pk).update(state=CaseState.RESOLVED)
    client = client_for(supervisor)
    done = client.post(
        reverse(CHANGELIST),
        {
            "action": "assign_to_collector",
            "_selected_action": [open_case.pk, closed.pk],
            "apply": "1",
            "collector": target.pk,
            "reason": "Rebalancing.",
        },
    )
    assert done.status_code == 302
    assert messages_of(done) == ["1 of the cases is closed and cannot be reassigned; leave it out and try again."]
    assert CollectionCase.objects.get(pk=open_case.pk).assigned_collector is None


@pytest.mark.parametrize("role", ["Compliance reviewer", "Administrator"])
def test_roles_that_do_not_assign_are_not_offered_the_action_and_posting_it_does_nothing(db, role):
    target = make_user("Collector")
    case = create_case()
    client = client_for(make_user(role))
    assert b"assign_to_collector" not in client.get(reverse(CHANGELIST)).content
    client.post(
        reverse(CHANGELIST),
        {
            "action": "assign_to_collector",
            "_selected_action": [case.pk],
            "apply": "1",
            "collector": target.pk,
            "reason": "Sneaky.",
        },
    )
    assert CollectionCase.objects.get(pk=case.pk).assigned_collector is None
    assert client.post(reverse("admin:cases_collectioncase_allocate")).status_code == 403


def test_allocate_now_runs_the_rule_and_reports_the_counts_in_words(db, supervisor):
    collector = make_user("Collector")
    TeamMember.objects.create(user=collector, supervisor=supervisor, regions="Shanghai")
    taken = create_case()
    taken.account.region = "Shanghai"
    taken.account.save()
    create_case()  # no region any collector takes
    client = client_for(supervisor)
    response = client.post(reverse("admin:cases_collectioncase_allocate"))
    assert response.status_code == 302 and response["Location"] == reverse(CHANGELIST)
    assert messages_of(response) == [
        "1 case allocated. 1 case left unassigned: no collector takes its language, region or policy profile."
    ]
    assert CollectionCase.objects.get(pk=taken.pk).assigned_collector == collector
    event = CaseEvent.objects.get(code=EventCode.ALLOCATED_BY_RULE)
    assert event.actor == supervisor
    run = JobRun.objects.get(job="allocate_cases")
    assert (run.trigger, run.started_by, run.counts) == (
        "admin",
        supervisor,
        {"allocated": 1, "no_eligible_collector": 1},
    )
    assert client.get(reverse("admin:cases_collectioncase_allocate")).status_code == 403  # POST only


def test_the_team_admin_keeps_codes_from_ticked_boxes(db, administrator, supervisor):
    collector = make_user("Collector")
    client = client_for(administrator)
    response = client.post(
        reverse("admin:cases_teammember_add"),
        {
            "user": collector.pk,
            "supervisor": supervisor.pk,
            "languages": ["zh-hans", "en"],
            "regions": "Shanghai, Suzhou",
            "profiles": ["CN"],
            "takes_new_cases": "on",
        },
    )
    assert response.status_code == 302, response.content
    row = TeamMember.objects.get(user=collector)
    assert (row.languages, row.profiles, row.supervisor) == ("zh-hans, en", "CN", supervisor)
    listing = client.get(reverse("admin:cases_teammember_changelist")).content.decode()
    assert "简体中文, English" in listing or "English, 简体中文" in listing
    assert client_for(supervisor).get(reverse("admin:cases_teammember_add")).status_code == 403
