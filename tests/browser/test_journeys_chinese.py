"""The same journeys in Chinese, in a real browser: every person prefers 简体中文, each page
is photographed (``test-artifacts/browser/zh-*.png``) and its visible text is checked the way the
crawl checks pages — no English sentence, no raw code, no machine timestamp."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone
import pytest

from cases.models import CaseState, CollectionCase
from compliance import services as compliance_services
from compliance.models import Complaint
from contacts import outbox
from policy.codes import Outcome
from preferences.models import StaffProfile
from tests.browser.conftest import shot
from tests.browser.test_journeys import AT_THE_DOOR, clock  # noqa: F401  (the fixture)
from tests.factories import eligible_case, make_attempt, past, phone_case
from tests.i18n.test_crawl import (
    _english_sentences,
    _english_words,
    _people_text,
    _problems_in_chinese,
    visible_text,
)
from visits import services as visit_services
from visits.models import FieldVisit, VisitState

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def in_chinese(*people):
    for person in people:
        StaffProfile.objects.update_or_create(user=person, defaults={"language": "zh-hans"})


def read_in_chinese(page, name: str) -> str:
    """Photograph the page and return its text, failing on anything not Chinese."""
    shot(page, f"zh-{name}")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    problems = _problems_in_chinese(
        visible_text(page.content()), _english_sentences(), _english_words(), _people_text()
    )
    assert not problems, f"{name}: {problems}"
    return page.locator("#content").inner_text()


def test_collector_works_the_queue_in_chinese(page_for, live_server, clock, collector):  # noqa: F811
    in_chinese(collector)
    reachable = phone_case(dpd=30)
    capped = phone_case(dpd=60, phones=("+8613800000002",))
    CollectionCase.objects.filter(pk__in=[reachable.pk, capped.pk]).update(assigned_collector=collector)
    for hour, minute in ((8, 0), (9, 0), (9, 30)):
        past(capped, clock.on(hour=hour, minute=minute), outcome=Outcome.RIGHT_PARTY)

    page = page_for(collector)
    page.goto(f"{live_server.url}/desk/queue/")
    text = read_in_chinese(page, "01-collector-queue")
    assert "现在可致电" in text and reachable.account.loan_number in text

    page.goto(f"{live_server.url}/desk/cases/{capped.pk}/")
    read_in_chinese(page, "02-collector-call-refused")
    assert "暂不可以" in page.locator(".banner tr.refused").inner_text()

    page.goto(f"{live_server.url}/desk/cases/{reachable.pk}/")
    read_in_chinese(page, "03-collector-call-allowed")
    page.keyboard.press("p")
    page.fill("#id_note", "周五发工资后还款。")
    page.click("input[name=stay]")
    read_in_chinese(page, "04-collector-promise-form")
    page.fill("#id_promise-amount", "500.00")
    page.fill("#id_promise-due_date", (timezone.localdate() + timedelta(days=3)).isoformat())
    page.click("#promise input[type=submit]")
    read_in_chinese(page, "05-collector-promise-saved")
    case = CollectionCase.objects.get(pk=reachable.pk)
    assert case.state == CaseState.ARRANGEMENT and case.promises.get().amount == Decimal("500.00")


def test_supervisor_and_agent_carry_out_a_visit_in_chinese(
    page_for,
    live_server,
    clock,  # noqa: F811
    collector,
    supervisor,
    agents,
    notice_templates,
    settings,
    tmp_path,
):
    in_chinese(supervisor, *(agent.user for agent in agents))
    settings.OUTBOX_DIR = tmp_path / "outbox"
    case = eligible_case(collector=collector)
    start, end = clock.on(day=3), clock.on(day=3, hour=12)
    visit = visit_services.request_visit(
        case,
        by=collector,
        reason="电话均已停机，信函无回复。",
        window_start=start,
        window_end=end,
        address="上海市黄浦区人民路1号",
    )
    clock.at = clock.on(day=1)

    boss = page_for(supervisor)
    boss.goto(f"{live_server.url}/visits/inbox/")
    read_in_chinese(boss, "06-supervisor-inbox")
    boss.click(f"a[href='/visits/{visit.pk}/decide/']")
    read_in_chinese(boss, "07-supervisor-decide")
    for each in agents:  # two agents go together
        boss.check(f"input[name=agents][value='{each.pk}']")
    boss.fill("#id_note", "两人同行，礼貌简短。")
    boss.click("input[name=approve]")
    read_in_chinese(boss, "08-supervisor-approved")
    assert FieldVisit.objects.get(pk=visit.pk).state == VisitState.APPROVED

    visit_services.sync_notices()
    outbox.dispatch_outbox()
    visit_services.sync_notices()

    clock.at = start + timedelta(minutes=10)
    agent = page_for(agents[0].user, phone=True, permissions=["geolocation"], geolocation=AT_THE_DOOR)
    agent.goto(f"{live_server.url}/visits/mine/")
    read_in_chinese(agent, "09-agent-my-visits")
    agent.click(f"a[href='/visits/{visit.pk}/check-in/']")
    read_in_chinese(agent, "09b-agent-check-in")
    agent.click(".check-in-button")
    agent.wait_for_url(f"**/visits/{visit.pk}/report/")
    read_in_chinese(agent, "10-agent-report")
    agent.check("input[name=outcome][value=met_borrower]")
    agent.check("#id_identity_verified")
    agent.fill("#id_identity_method", "核对身份证，人证一致")
    agent.check("input[name=willingness][value=willing]")
    agent.check("input[name=ability][value=partly]")
    agent.fill("#id_next_steps", "周五还款1000元；催收员周一回访。")
    agent.click(".report-form button[type=submit]")  # the attestation is missing: refused, nothing lost
    read_in_chinese(agent, "10b-agent-report-refused")
    assert agent.locator("#id_identity_method").input_value() == "核对身份证，人证一致"
    agent.check("#id_conduct_attested")
    agent.click(".report-form button[type=submit]")
    agent.wait_for_url("**/visits/mine/")
    read_in_chinese(agent, "11-agent-done")
    assert FieldVisit.objects.get(pk=visit.pk).state == VisitState.COMPLETED


def test_reviewer_reads_a_dossier_in_chinese(page_for, live_server, clock, collector, reviewer):  # noqa: F811
    in_chinese(reviewer)
    case = phone_case(dpd=45)
    CollectionCase.objects.filter(pk=case.pk).update(assigned_collector=collector)
    make_attempt(case, clock.on(day=-1, hour=22), agent=collector, allowed=False, reasons=["outside_hours"])
    past(case, clock.on(hour=9), outcome=Outcome.RIGHT_PARTY)
    compliance_services.record_complaint(
        by=reviewer,
        borrower=case.account.borrower,
        channel=Complaint.Channel.values[0],
        category=Complaint.Category.values[0],
        description="半夜打电话给我。",
        case=case,
    )

    page = page_for(reviewer)
    page.goto(f"{live_server.url}/compliance/")
    read_in_chinese(page, "12-reviewer-workspace")
    page.fill("#loan", case.account.loan_number)
    page.click(".dossier-search input[type=submit]")
    page.wait_for_url(f"{live_server.url}/compliance/cases/{case.pk}/dossier/")
    text = read_in_chinese(page, "13-reviewer-dossier")
    assert case.account.loan_number in text and case.account.borrower.national_id in text
    page.goto(f"{live_server.url}/compliance/cases/{case.pk}/intensity/")
    read_in_chinese(page, "14-reviewer-contact-intensity")
