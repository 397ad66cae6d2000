"""A field agent's day on a phone (390 × 844, touch) in a real browser: the cards fit the
screen, the check-in carries the position (granted or refused) and a photo, the report
keeps everything typed through a refusal, uploads are judged as soon as they are chosen,
and the call link shows only when the rules allow a call now."""

from datetime import timedelta

from django.utils import timezone
import pytest

from cases.models import ContactPoint, PromiseToPay
from contacts import outbox
from policy.codes import Outcome
from tests.browser.conftest import shot
from tests.browser.test_journeys import AT_THE_DOOR, SIGNED_PDF, clock  # noqa: F401  (the fixture)
from tests.factories import eligible_case, past
from visits import services as visit_services
from visits.models import FieldVisit, VisitReportDraft, VisitState

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PHOTO = {"name": "door.jpg", "mimeType": "image/jpeg", "buffer": b"\xff\xd8\xff\xe0" + b"\x00" * 256}
NOT_A_PDF = {"name": "agreement.pdf", "mimeType": "application/pdf", "buffer": b"<html><script>x</script></html>"}


def announced_visit(clock, collector, supervisor, agents, settings, tmp_path):  # noqa: F811
    """A visit approved and announced through the services; the clock inside its window."""
    settings.OUTBOX_DIR = tmp_path / "outbox"
    case = eligible_case(collector=collector)
    start = clock.on(day=3)
    visit = visit_services.request_visit(
        case,
        by=collector,
        reason="Numbers changed; letters unanswered.",
        window_start=start,
        window_end=clock.on(day=3, hour=12),
        address="上海市黄浦区人民路1号，靠近南京东路地铁站2号口，临街红色大门",
    )
    FieldVisit.objects.filter(pk=visit.pk).update(address_latitude="31.230400", address_longitude="121.473700")
    clock.at = clock.on(day=1)
    visit_services.approve_visit(visit, by=supervisor, agents=agents)
    visit_services.send_notice(FieldVisit.objects.get(pk=visit.pk))
    outbox.dispatch_outbox()
    visit_services.sync_notices()
    clock.at = start + timedelta(minutes=10)
    return FieldVisit.objects.get(pk=visit.pk)


def fits_the_screen(page):
    """Nothing wider than the phone: no sideways scrolling, no zooming."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width} px wide on a 390 px screen"


def test_check_in_with_position_and_photo_then_a_refused_report_keeps_everything(
    page_for,
    live_server,
    clock,  # noqa: F811
    collector,
    supervisor,
    agents,
    notice_templates,
    settings,
    tmp_path,  # noqa: F811
):
    visit = announced_visit(clock, collector, supervisor, agents, settings, tmp_path)
    agent = page_for(agents[0].user, phone=True, permissions=["geolocation"], geolocation=AT_THE_DOOR)
    agent.goto(f"{live_server.url}/visits/mine/")
    shot(agent, "phone-01-cards")
    fits_the_screen(agent)
    card = agent.locator(f"#visit-{visit.pk}")
    text = card.inner_text()
    assert visit.case.account.borrower.full_name in text and "Open now" in text and "Due" in text
    assert card.locator("a.call-link").get_attribute("href").startswith("tel:+86")
    button = card.locator("a.button.primary")
    box = button.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390 and box["height"] >= 44  # in reach of a thumb

    button.tap()
    agent.set_input_files("#id_photo", files=[PHOTO])
    shot(agent, "phone-02-check-in")
    fits_the_screen(agent)
    agent.locator(".check-in-button").tap()
    agent.wait_for_url(f"**/visits/{visit.pk}/report/")
    visit = FieldVisit.objects.get(pk=visit.pk)
    assert visit.state == VisitState.IN_PROGRESS and visit.check_in_accuracy_m == 15
    assert float(visit.check_in_latitude) == pytest.approx(31.2304) and visit.check_in_distance_m == 0
    assert visit.check_in_photo.name.endswith(".jpg") and not visit.check_in_far

    # The report: everything but the attestation; refused, and every value is still there.
    due = (timezone.localdate() + timedelta(days=5)).isoformat()
    agent.locator("input[name=outcome][value=met_borrower]").check()
    agent.check("#id_identity_verified")
    agent.fill("#id_identity_method", "ID card seen, face matches")
    agent.check("input[name=willingness][value=willing]")
    agent.check("input[name=ability][value=partly]")
    agent.fill("#id_next_steps", "Pays 1,000 on Friday; collector calls Monday.")
    agent.fill("#id_promise_amount", "1000")
    agent.fill("#id_promise_due", due)
    agent.set_input_files("#id_agreement_file", files=[SIGNED_PDF])
    agent.wait_for_selector(".field-agreement_file .kept a")
    with agent.expect_navigation():
        agent.locator(".report-form button[type=submit]").tap()
    shot(agent, "phone-03-report-refused")
    fits_the_screen(agent)
    assert "polite and lawful" in agent.locator(".field-conduct_attested .errorlist").inner_text()
    assert agent.locator("#id_identity_method").input_value() == "ID card seen, face matches"
    assert agent.locator("#id_next_steps").input_value() == "Pays 1,000 on Friday; collector calls Monday."
    assert agent.locator("#id_promise_amount").input_value() == "1000"
    assert agent.locator("#id_promise_due").input_value() == due
    assert agent.locator("input[name=willingness][value=willing]").is_checked()
    assert "Already sent" in agent.locator(".field-agreement_file .kept").inner_text()

    # Leaving and coming back: the draft brings it all back.
    agent.goto(f"{live_server.url}/visits/mine/")
    agent.goto(f"{live_server.url}/visits/{visit.pk}/report/")
    assert agent.locator("#id_identity_method").input_value() == "ID card seen, face matches"
    agent.check("#id_conduct_attested")
    agent.locator(".report-form button[type=submit]").tap()
    agent.wait_for_url("**/visits/mine/")
    shot(agent, "phone-04-done")
    visit = FieldVisit.objects.get(pk=visit.pk)
    assert visit.state == VisitState.COMPLETED and visit.agreement_file.name.endswith(".pdf")
    assert PromiseToPay.objects.get(case=visit.case).amount == 1000
    assert not VisitReportDraft.objects.filter(visit=visit).exists()


def test_refused_position_upload_refusals_and_a_not_at_home_report(
    page_for,
    live_server,
    clock,  # noqa: F811
    collector,
    supervisor,
    agents,
    notice_templates,
    settings,
    tmp_path,  # noqa: F811
):
    settings.UPLOAD_MAX_MB = {**settings.UPLOAD_MAX_MB, "visit_receipt": 1}
    visit = announced_visit(clock, collector, supervisor, agents, settings, tmp_path)
    phone = ContactPoint.objects.filter(borrower=visit.case.account.borrower, kind="phone").first()
    for minutes in (50, 40, 30):  # three connected calls today: the CN cap refuses a fourth
        past(visit.case, clock.at - timedelta(minutes=minutes), point=phone, outcome=Outcome.RIGHT_PARTY)

    agent = page_for(agents[0].user, phone=True)  # the position is not allowed to this page
    agent.goto(f"{live_server.url}/visits/mine/")
    card = agent.locator(f"#visit-{visit.pk}")
    assert card.locator("a[href^='tel:']").count() == 0
    assert "3 connected calls" in card.locator(".no-call").inner_text()
    shot(agent, "phone-05-no-call-ahead")

    card.locator("a.button.primary").tap()
    agent.locator(".check-in-button").tap()
    agent.wait_for_url(f"**/visits/{visit.pk}/report/")
    visit = FieldVisit.objects.get(pk=visit.pk)
    assert visit.state == VisitState.IN_PROGRESS and visit.check_in_latitude is None
    assert visit.check_in_no_location == "denied"
    assert "without your position" in agent.locator(".messagelist").inner_text()

    # Files are judged as soon as they are chosen, beside their field.
    agent.locator("input[name=outcome][value=met_borrower]").check()
    agent.set_input_files("#id_agreement_file", files=[NOT_A_PDF])
    refusal = agent.locator(".field-agreement_file .errorlist")
    refusal.wait_for()
    assert "not of a kind accepted here" in refusal.inner_text()
    large = {"name": "receipt.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n" + b"0" * 1_300_000}
    agent.set_input_files("#id_receipt_file", files=[large])
    too_large = agent.locator(".field-receipt_file .errorlist")
    too_large.wait_for()
    assert "the largest accepted is 1 MB" in too_large.inner_text()
    shot(agent, "phone-06-uploads-refused")
    assert not VisitReportDraft.objects.get(visit=visit).agreement_file

    # Nobody at home: no agreement, no borrower's steps, and it is done.
    agent.locator("input[name=outcome][value=not_at_home]").check()
    agent.fill("#id_report_note", "Nobody answered; left a card with the hotline.")
    agent.check("#id_conduct_attested")
    agent.locator(".report-form button[type=submit]").tap()
    agent.wait_for_url("**/visits/mine/")
    visit = FieldVisit.objects.get(pk=visit.pk)
    assert visit.state == VisitState.COMPLETED and visit.outcome == "not_at_home" and not visit.agreement_file
