"""Each role's part, in a real browser on a live server."""

from datetime import timedelta
from decimal import Decimal
from unittest import mock

from django.utils import timezone
import pytest

from cases.models import CaseState, CollectionCase
from contacts.models import ContactAttempt
from policy.codes import Outcome
from tests.browser.conftest import shot
from tests.clock import SHANGHAI, local
from tests.factories import eligible_case, past, phone_case
from visits import services as visit_services
from visits.models import FieldVisit, VisitState

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

# The agent's phone at the borrower's door, and the agreement the borrower signed there.
AT_THE_DOOR = {"latitude": 31.2304, "longitude": 121.4737, "accuracy": 15}
SIGNED_PDF = {"name": "signed.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n%%EOF\n"}


class Clock:
    """The time the whole process (live server thread included) sees. ``base`` is a fixed
    10:00 in Shanghai a week ahead; ``clock.on(day, hour)`` is relative to it (test helpers
    that read "today" would drift once the clock is moved)."""

    def __init__(self):
        self.base = local(SHANGHAI, hour=10)
        self.at = self.base

    def on(self, day=0, hour=10, minute=0):
        return self.base.replace(hour=hour, minute=minute) + timedelta(days=day)

    def __call__(self):
        return self.at


@pytest.fixture
def clock():
    clock = Clock()
    with mock.patch("django.utils.timezone.now", side_effect=clock):
        yield clock


def test_collector_works_the_queue_logs_calls_and_records_a_promise(page_for, live_server, clock, collector):
    reachable = phone_case(dpd=30)
    capped = phone_case(dpd=60, phones=("+8613800000002",))
    CollectionCase.objects.filter(pk__in=[reachable.pk, capped.pk]).update(assigned_collector=collector)
    for hour, minute in ((8, 0), (9, 0), (9, 30)):
        past(capped, clock.on(hour=hour, minute=minute), outcome=Outcome.RIGHT_PARTY)

    page = page_for(collector)
    page.goto(f"{live_server.url}/desk/queue/")
    shot(page, "01-collector-queue")
    assert reachable.account.loan_number in page.locator("table.queue-rows").inner_text()
    page.click("a[data-section=later]")
    assert "3 connected calls" in page.locator("table.queue-rows").inner_text()

    # The capped case: the banner says why the call is refused and until when (a text is
    # still allowed, so the log form stays for it).
    page.goto(f"{live_server.url}/desk/cases/{capped.pk}/")
    shot(page, "02-collector-call-refused")
    refused = page.locator(".banner tr.refused").inner_text()
    assert "3 connected calls with this borrower today" in refused and "Allowed again from" in refused

    # An allowed call whose outcome is a promise opens the promise form with the call's note.
    page.goto(f"{live_server.url}/desk/cases/{reachable.pk}/")
    assert "Allowed" in page.locator(".banner").inner_text()
    page.keyboard.press("p")
    page.fill("#id_note", "Will pay on Friday after salary.")
    page.click("input[name=stay]")
    shot(page, "03-collector-promise-form")
    assert page.locator("#id_promise-note").input_value() == "Will pay on Friday after salary."
    page.fill("#id_promise-amount", "500.00")
    page.fill("#id_promise-due_date", (timezone.localdate() + timedelta(days=3)).isoformat())
    page.click("#promise input[type=submit]")
    shot(page, "04-collector-promise-saved")
    case = CollectionCase.objects.get(pk=reachable.pk)
    assert case.state == CaseState.ARRANGEMENT and case.promises.get().amount == Decimal("500.00")
    assert ContactAttempt.objects.get(case=reachable, allowed=True).outcome == Outcome.PROMISE_TO_PAY


def test_supervisor_approves_agent_visits_and_borrower_verifies(
    page_for, live_server, clock, collector, supervisor, agents, notice_templates, settings, tmp_path
):
    from contacts import outbox

    settings.OUTBOX_DIR = tmp_path / "outbox"
    case = eligible_case(collector=collector)
    start, end = clock.on(day=3), clock.on(day=3, hour=12)
    visit = visit_services.request_visit(
        case,
        by=collector,
        reason="Numbers changed; letters unanswered.",
        window_start=start,
        window_end=end,
        address="上海市黄浦区人民路1号",
    )
    clock.at = clock.on(day=1)  # the notice leaves exactly 48 hours before the window

    boss = page_for(supervisor)
    boss.goto(f"{live_server.url}/visits/inbox/")
    shot(boss, "05-supervisor-inbox")
    boss.click(f"a[href='/visits/{visit.pk}/decide/']")
    for agent in agents:
        boss.check(f"input[name=agents][value='{agent.pk}']")
    boss.fill("#id_note", "Two agents; be polite and brief.")
    boss.click("input[name=approve]")
    shot(boss, "06-supervisor-approved")
    assert FieldVisit.objects.get(pk=visit.pk).state == VisitState.APPROVED

    visit_services.sync_notices()
    outbox.dispatch_outbox()
    visit_services.sync_notices()
    visit = FieldVisit.objects.get(pk=visit.pk)
    assert visit.state == VisitState.NOTIFIED

    clock.at = start + timedelta(minutes=10)
    agent = page_for(agents[0].user, phone=True, permissions=["geolocation"], geolocation=AT_THE_DOOR)
    agent.goto(f"{live_server.url}/visits/mine/")
    shot(agent, "07-agent-my-visits")
    agent.click(f"a[href='/visits/{visit.pk}/check-in/']")
    agent.click(".check-in-button")
    agent.wait_for_url(f"**/visits/{visit.pk}/report/")
    agent.check("input[name=outcome][value=met_borrower]")
    agent.check("#id_identity_verified")
    agent.fill("#id_identity_method", "ID card seen, face matches")
    agent.check("input[name=willingness][value=willing]")
    agent.check("input[name=ability][value=partly]")
    agent.fill("#id_next_steps", "Pays 1,000 on Friday; collector calls Monday.")
    agent.fill("#id_promise_amount", "1000")
    agent.fill("#id_promise_due", (timezone.localdate() + timedelta(days=5)).isoformat())
    agent.set_input_files("#id_agreement_file", files=[SIGNED_PDF])
    agent.wait_for_selector(".field-agreement_file .kept a")
    agent.check("#id_conduct_attested")
    shot(agent, "08-agent-report")
    agent.click("button:has-text('File the report and check out')")
    agent.wait_for_url("**/visits/mine/")
    shot(agent, "09-agent-done")
    visit = FieldVisit.objects.get(pk=visit.pk)
    assert visit.state == VisitState.COMPLETED and visit.attempt.allowed

    # The borrower checks the visitors' code while they are at the door.
    clock.at = start + timedelta(minutes=5)
    FieldVisit.objects.filter(pk=visit.pk).update(state=VisitState.IN_PROGRESS)
    borrower = page_for()
    borrower.goto(f"{live_server.url}/verify/")
    borrower.fill("#id_code", visit.verification_code)
    borrower.click("form:has(#id_code) button[type=submit]")
    shot(borrower, "10-borrower-verify")
    text = borrower.locator("body").inner_text()
    assert agents[0].badge_number in text and "within its announced time" in text
    assert case.account.borrower.full_name not in text and str(case.account.outstanding_total) not in text


def test_reviewer_finds_a_case_and_reads_its_dossier(page_for, live_server, clock, collector, reviewer):
    from audit.models import AccessLog
    from compliance import services as compliance_services
    from compliance.models import Complaint
    from tests.factories import make_attempt

    case = phone_case(dpd=45)
    CollectionCase.objects.filter(pk=case.pk).update(assigned_collector=collector)
    make_attempt(case, clock.on(day=-1, hour=22), agent=collector, allowed=False, reasons=["outside_hours"])
    past(case, clock.on(hour=9), outcome=Outcome.RIGHT_PARTY)
    compliance_services.record_complaint(
        by=reviewer,
        borrower=case.account.borrower,
        channel=Complaint.Channel.values[0],
        category=Complaint.Category.values[0],
        description="Called me late at night.",
        case=case,
    )

    page = page_for(reviewer)
    page.goto(f"{live_server.url}/compliance/")
    shot(page, "11-reviewer-workspace")
    assert "Open a case dossier by loan number" in page.locator("#content").inner_text()
    page.fill("#loan", case.account.loan_number)
    page.click(".dossier-search input[type=submit]")
    page.wait_for_url(f"{live_server.url}/compliance/cases/{case.pk}/dossier/")
    shot(page, "12-reviewer-dossier")
    text = page.locator("#content-main").inner_text()
    assert f"loan {case.account.loan_number}" in text and "BLOCKED" in text
    # The reviewer may see the national ID in full, and opening the dossier is on record.
    assert case.account.borrower.national_id in text
    assert AccessLog.objects.filter(user=reviewer, case_id=case.pk, where="dossier").exists()

    page.click("a:has-text('Contact intensity')")
    shot(page, "13-reviewer-contact-intensity")
    assert f"case {case.pk}" in page.locator("body").inner_text().lower()


def test_collector_who_prefers_chinese_sees_the_queue_in_chinese(page_for, live_server, clock, collector):
    """The browser asks for English; the collector's saved preference (zh-hans) wins.
    The screenshot shows whether chromium has a CJK font (else the text is boxes)."""
    from preferences.models import StaffProfile

    StaffProfile.objects.create(user=collector, language="zh-hans")
    reachable = phone_case(dpd=30)
    CollectionCase.objects.filter(pk=reachable.pk).update(assigned_collector=collector)

    page = page_for(collector)
    page.goto(f"{live_server.url}/desk/queue/")
    shot(page, "14-collector-queue-chinese")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert "现在可致电" in page.locator("#content").inner_text()
    assert reachable.account.loan_number in page.locator("table.queue-rows").inner_text()
