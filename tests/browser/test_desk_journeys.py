# ruff: noqa: F811  (the clock fixture is imported, then asked for by name)
"""The collector's desk in a real browser, in English and in Chinese: five cases worked with
Save & next from the keyboard alone, a callback the rules refuse and then one they accept,
a plan beyond policy that a supervisor approves, and a held case that offers no contact.
Each page is photographed (test-artifacts/browser/desk-<language>-*.png); in Chinese its
visible text is checked for English, raw codes and machine timestamps."""

from datetime import timedelta

import pytest

from cases import services as case_services
from cases.models import CaseState, CollectionCase, Hold, RepaymentPlan
from contacts.models import Callback, ContactAttempt
from policy.codes import Outcome
from tests.browser.conftest import shot
from tests.browser.test_journeys import clock  # noqa: F401  (the fixture)
from tests.browser.test_journeys_chinese import in_chinese, read_in_chinese
from tests.factories import phone_case

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
LANGUAGES = ["en", "zh-hans"]


def assigned(collector, **kwargs):
    case = phone_case(**kwargs)
    CollectionCase.objects.filter(pk=case.pk).update(assigned_collector=collector)
    return case


def look(page, language, name) -> str:
    """Photograph the page; in Chinese, fail on anything not Chinese. Its text."""
    if language == "en":
        shot(page, f"desk-en-{name}")
        return page.locator("#content").inner_text()
    return read_in_chinese(page, f"desk-{name}")


@pytest.mark.parametrize("language", LANGUAGES)
def test_five_cases_in_a_row_with_save_and_next_from_the_keyboard(
    page_for,
    live_server,
    clock,
    collector,
    language,
):
    if language != "en":
        in_chinese(collector)
    # One case in each DPD bucket: the queue's order is theirs, most overdue first.
    cases = [assigned(collector, dpd=dpd, phones=(f"+861380000{dpd:04d}",)) for dpd in (10, 40, 70, 120, 200)]
    by_priority = sorted(cases, key=lambda case: -case.account.days_past_due)
    page = page_for(collector)
    page.goto(f"{live_server.url}/desk/queue/")
    look(page, language, "01-queue")
    assert page.locator(".queue-tab.current .count").inner_text() == "5"

    # The start link has the focus: Enter opens the first case. Then on each case one letter
    # key picks "no answer" and Enter saves and opens the next.
    with page.expect_navigation():
        page.keyboard.press("Enter")
    opened = []
    for number in range(5):
        opened.append(int(page.url.rstrip("/").rsplit("/", 1)[1]))
        if number == 0:
            look(page, language, "02-case-desk")
        page.keyboard.press("n")
        with page.expect_navigation():
            page.keyboard.press("Enter")
    assert page.url == f"{live_server.url}/desk/queue/"
    look(page, language, "03-pass-done")
    assert opened == [case.pk for case in by_priority]
    attempts = ContactAttempt.objects.order_by("pk")
    assert [a.case_id for a in attempts] == opened
    assert all(a.allowed and a.outcome == Outcome.NO_ANSWER and a.agent == collector for a in attempts)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_refused_callback_time_offers_allowed_ones(page_for, live_server, clock, collector, language):
    if language != "en":
        in_chinese(collector)
    case = assigned(collector)
    page = page_for(collector)
    page.goto(f"{live_server.url}/desk/cases/{case.pk}/")
    page.keyboard.press("c")  # "callback requested": the time field takes the focus
    late_evening = clock.on(day=1, hour=23).strftime("%Y-%m-%dT%H:%M")
    page.fill("#id_callback_at", late_evening)
    page.click("input[name=stay]")
    look(page, language, "04-callback-refused")
    assert page.locator(".field-callback_at .errorlist").count() == 1
    assert not ContactAttempt.objects.exists() and not Callback.objects.exists()

    page.locator(".offered button").first.click()
    page.wait_for_url(f"{live_server.url}/desk/cases/{case.pk}/")
    look(page, language, "05-callback-kept")
    callback = Callback.objects.get()
    assert callback.status == Callback.Status.PENDING and 8 <= callback.due_at.astimezone(clock.base.tzinfo).hour < 22
    assert ContactAttempt.objects.get().outcome == Outcome.CALLBACK
    assert page.locator(".standing").inner_text().count(":") >= 1


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_plan_beyond_policy_waits_for_a_supervisor_who_approves_it(
    page_for,
    live_server,
    clock,
    collector,
    supervisor,
    language,
):
    if language != "en":
        in_chinese(collector, supervisor)
    case = assigned(collector)
    too_many = case.policy_profile.plan_max_installments + 2
    page = page_for(collector)
    page.goto(f"{live_server.url}/desk/cases/{case.pk}/")
    page.click("#plan > summary")
    page.fill("#id_plan-count", str(too_many))
    page.fill("#id_plan-first_due", (clock.base.date() + timedelta(days=7)).isoformat())
    page.click("input[name=preview]")
    look(page, language, "06-plan-preview")
    assert page.locator(".plan-preview tbody tr").count() == too_many
    assert page.locator("#plan .flag-warn").count() == 1
    page.click("input[name=agree]")
    page.wait_for_url(f"{live_server.url}/desk/cases/{case.pk}/")
    look(page, language, "07-plan-awaiting-approval")
    plan = RepaymentPlan.objects.get()
    assert plan.status == RepaymentPlan.Status.PROPOSED and plan.beyond_policy

    boss = page_for(supervisor)
    assert boss.locator("[data-count=plans_to_approve] strong").inner_text() == "1"
    boss.click("[data-count=plans_to_approve] a")
    boss.check(f"input[name=_selected_action][value='{plan.pk}']")
    boss.select_option("select[name=action]", "approve_selected")
    boss.click("button[name=index]")
    shot(boss, f"desk-{language}-08-supervisor-approved")
    plan.refresh_from_db()
    assert plan.status == RepaymentPlan.Status.ACTIVE and plan.approved_by == supervisor

    page.reload()
    look(page, language, "09-plan-running")
    assert CollectionCase.objects.get(pk=case.pk).state == CaseState.ARRANGEMENT


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_held_case_says_why_and_offers_no_contact(
    page_for,
    live_server,
    clock,
    collector,
    supervisor,
    language,
):
    if language != "en":
        in_chinese(collector)
    case = assigned(collector)
    case_services.place_hold(case, Hold.Kind.DISPUTE, by=supervisor, note="Borrower disputes the fees.")
    page = page_for(collector)
    page.goto(f"{live_server.url}/desk/queue/?section=on_hold")
    look(page, language, "10-queue-on-hold")
    page.click(f"a[href='/desk/cases/{case.pk}/']")
    look(page, language, "11-held-case")
    assert page.locator(".standing .flag-stop").count() == 1
    assert "Borrower disputes the fees." in page.locator(".standing").inner_text()
    assert page.locator("#no-contact").is_visible() and page.locator(".log-form").count() == 0
    assert page.locator("#promise").count() == 0
