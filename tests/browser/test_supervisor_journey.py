"""A supervisor's morning in a real browser, in English and in Chinese: the dashboard from
the home page, twenty cases reassigned in bulk from the case list with a reason, and a
field visit approved from its notification. Each page is photographed
(test-artifacts/browser/); in Chinese its visible text is checked for English, raw codes
and machine timestamps."""

from datetime import timedelta

import pytest

from cases.event_text import EventCode
from cases.models import CaseEvent, CollectionCase, TeamMember
from desk import snapshots
from desk.models import Notification
from tests.browser.conftest import shot
from tests.browser.test_journeys_chinese import in_chinese, read_in_chinese
from tests.clock import window
from tests.factories import create_case, eligible_case, make_user
from visits import services as visit_services
from visits.models import VisitState

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def look(page, language, name) -> str:
    if language == "en":
        shot(page, f"supervisor-en-{name}")
        return page.locator("#content").inner_text()
    return read_in_chinese(page, f"supervisor-{name}")


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_supervisor_reads_the_dashboard_reassigns_twenty_cases_and_approves_a_visit(
    page_for, live_server, collector, supervisor, agents, language
):
    leaving = make_user("Collector", "wang.leaving")
    taking_over = make_user("Collector", "li.takes.over")
    for person in (collector, leaving, taking_over):
        TeamMember.objects.create(user=person, supervisor=supervisor)
    if language != "en":
        in_chinese(supervisor)
    moving = [create_case(dpd=10 + 3 * n, collector=leaving) for n in range(20)]
    staying = create_case(dpd=40, collector=collector)
    start, end = window()
    visit = visit_services.request_visit(
        eligible_case(collector=collector),
        by=collector,
        reason="Numbers changed.",
        window_start=start,
        window_end=end,
        address="上海市黄浦区人民路1号",
    )
    snapshots.backfill(7)

    page = page_for(supervisor)
    # The dashboard, from the home page.
    page.click("a[href='/desk/dashboard/']")
    assert page.locator("[data-kpi=delinquent]").inner_text() == "22"
    assert page.locator("table#roll-rates tbody tr").count() == 6
    assert page.locator("svg").count() >= 2
    look(page, language, "01-dashboard")
    page.select_option("select[name=team]", str(supervisor.pk))
    page.click(".kpi-filters input[type=submit]")
    assert page.locator("[data-kpi=delinquent]").inner_text() == "22"
    assert page.locator("table#collectors tbody tr").count() >= 1

    # Twenty cases from the collector who leaves to the one who takes over, in one action.
    page.goto(f"{live_server.url}/desk/workload/")
    look(page, language, "02-workload")
    page.goto(f"{live_server.url}/admin/cases/collectioncase/?collector={leaving.pk}")
    assert page.locator("#result_list tbody tr").count() == 20
    page.check("#action-toggle")
    page.select_option("select[name=action]", "assign_to_collector")
    page.click("button[name=index]")
    look(page, language, "03-assign-asks")
    page.select_option("select[name=collector]", str(taking_over.pk))
    page.fill("textarea[name=reason], input[name=reason]", "王先生调往法务组。")
    page.click("input[type=submit][name=apply], button[name=apply], input[type=submit]")
    look(page, language, "04-assigned")
    assert set(
        CollectionCase.objects.filter(pk__in=[case.pk for case in moving]).values_list("assigned_collector", flat=True)
    ) == {taking_over.pk}
    assert CollectionCase.objects.get(pk=staying.pk).assigned_collector == collector
    assert CaseEvent.objects.filter(code=EventCode.ASSIGNED, reason="王先生调往法务组。").count() == 20

    # The visit request waits in the notifications; opening it leads to the decision.
    assert page.locator("#notifications-link .count").inner_text() == "1"
    page.click("#notifications-link")
    look(page, language, "05-notifications")
    page.click("tr[data-notification] button[type=submit]")
    page.wait_for_url(f"{live_server.url}/visits/{visit.pk}/decide/")
    look(page, language, "06-visit-to-decide")
    for agent in page.locator("input[name=agents]").all():
        agent.check()
    page.click("input[name=approve]")
    page.wait_for_load_state()
    look(page, language, "07-visit-approved")
    visit.refresh_from_db()
    assert visit.state == VisitState.APPROVED and visit.approver == supervisor
    assert Notification.objects.get(user=supervisor).read_at is not None
    assert timedelta(0) <= visit.window_end - visit.window_start
