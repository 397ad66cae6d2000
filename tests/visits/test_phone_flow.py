"""The field agent's day on a phone, through the real pages and services: the cards (call
ahead only when the rules allow), the check-in's evidence, and a report that loses
nothing (its draft, its outcome-driven requirements, its uploads)."""

from datetime import timedelta
from decimal import Decimal
import re

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
import pytest

from cases.models import CaseEvent, CollectionCase, ContactPoint, PromiseToPay, RepaymentPlan
from desk.models import Notification
from policy.codes import Outcome, VisitOutcome
from tests.clients import client_for
from tests.clock import frozen, window
from tests.factories import eligible_case, make_field_agent, past
from tests.visits.test_services import approved_and_notified
from tests.visits.uploads import html_named_pdf, jpeg, pdf
from visits import services
from visits.models import FieldVisit, NoLocation, VisitReportDraft, VisitState

ADDRESS = (Decimal("31.230400"), Decimal("121.473700"))  # 上海市黄浦区人民路1号, as the feed gave it


@pytest.fixture(autouse=True)
def outbox_dir(tmp_path, settings):
    settings.OUTBOX_DIR = tmp_path / "outbox"


@pytest.fixture
def media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def announced(db, collector, supervisor, agents, notice_templates):
    """An announced visit to an address with coordinates, and the moment inside its window."""
    visit = approved_and_notified(collector, supervisor, agents, notice_templates)
    FieldVisit.objects.filter(pk=visit.pk).update(address_latitude=ADDRESS[0], address_longitude=ADDRESS[1])
    start, _end = window()
    return FieldVisit.objects.get(pk=visit.pk), start + timedelta(minutes=10)


@pytest.fixture
def under_way(announced, agents):
    visit, at = announced
    with frozen(at):
        services.check_in(visit, by=agents[0].user, lat=ADDRESS[0], lon=ADDRESS[1])
    return FieldVisit.objects.get(pk=visit.pk), at


# --- the check-in's evidence ---------------------------------------------------------------------


def test_a_check_in_keeps_the_position_its_accuracy_and_time_and_the_photo(announced, agents, media):
    visit, at = announced
    taken = int((at - timedelta(seconds=20)).timestamp() * 1000)
    with frozen(at):
        page = client_for(agents[0].user).post(
            reverse("visits:check_in", args=[visit.pk]),
            {
                "latitude": "31.2310",
                "longitude": "121.4740",
                "accuracy": "18.4",
                "located_at": str(taken),
                "photo": jpeg(),
            },
        )
    assert page.status_code == 302 and page["Location"] == reverse("visits:report", args=[visit.pk])
    visit = FieldVisit.objects.get(pk=visit.pk)
    assert visit.state == VisitState.IN_PROGRESS
    assert (visit.check_in_latitude, visit.check_in_longitude) == (Decimal("31.231000"), Decimal("121.474000"))
    assert visit.check_in_accuracy_m == 18 and visit.check_in_located_at == at - timedelta(seconds=20)
    assert visit.check_in_no_location == "" and visit.check_in_photo.name.endswith(".jpg")
    assert 60 < visit.check_in_distance_m < 90 and not visit.check_in_far  # about 75 m: at the door


def test_a_check_in_far_from_the_address_is_allowed_and_flagged_for_the_approver(announced, agents, supervisor):
    visit, at = announced
    with frozen(at):  # People's Square to the Bund: about 1.3 km
        visit = services.check_in(
            visit,
            by=agents[0].user,
            evidence=services.CheckInEvidence(position=services.Position("31.2397", "121.4900", 30), no_location=""),
        )
    assert visit.state == VisitState.IN_PROGRESS and visit.check_in_far
    assert 1500 < visit.check_in_distance_m < 2000
    told = Notification.objects.get(kind="visit_checked_in_far")
    assert told.user == supervisor and told.params["distance_m"] == visit.check_in_distance_m
    assert CaseEvent.objects.filter(case=visit.case, code="visit_checked_in_far").exists()


@pytest.mark.parametrize("reason", ["denied", "timeout", "unsupported"])
def test_a_check_in_without_a_position_says_why(announced, agents, reason):
    visit, at = announced
    with frozen(at):
        client_for(agents[0].user).post(reverse("visits:check_in", args=[visit.pk]), {"no_location": reason})
    visit = FieldVisit.objects.get(pk=visit.pk)
    assert visit.state == VisitState.IN_PROGRESS and visit.check_in_latitude is None
    assert visit.check_in_no_location == reason and visit.check_in_distance_m is None


def test_a_check_in_with_no_script_records_that_no_position_was_sent(announced, agents):
    visit, at = announced
    with frozen(at):
        client_for(agents[0].user).post(reverse("visits:check_in", args=[visit.pk]), {})
    assert FieldVisit.objects.get(pk=visit.pk).check_in_no_location == NoLocation.NOT_SENT


@pytest.mark.parametrize(
    "post, says",
    [
        ({"latitude": "91", "longitude": "121"}, "not a place on Earth"),
        ({"latitude": "31.2", "longitude": "abc"}, "not a place on Earth"),
        ({"latitude": "31.2", "longitude": "121.4", "accuracy": "many"}, "unreadable accuracy"),
        ({"photo": "html"}, "content is not of a kind accepted here"),
        ({"photo": "large"}, "the largest accepted is 1 MB"),
    ],
)
def test_a_check_in_with_evidence_that_cannot_be_stored_is_refused_and_nothing_changes(
    announced, agents, settings, media, post, says
):
    settings.UPLOAD_MAX_MB = {**settings.UPLOAD_MAX_MB, "visit_photo": 1}
    visit, at = announced
    if post.get("photo") == "html":
        post = {"photo": html_named_pdf("door.jpg")}
    elif post.get("photo") == "large":
        large = jpeg()
        large.file.write(b"\x00" * 1_200_000)
        large.size = large.file.tell()
        large.file.seek(0)
        post = {"photo": large}
    with frozen(at):
        page = client_for(agents[0].user).post(reverse("visits:check_in", args=[visit.pk]), post)
    assert page.status_code == 200 and says in page.content.decode().replace("&#x27;", "'")
    visit = FieldVisit.objects.get(pk=visit.pk)
    assert visit.state == VisitState.NOTIFIED and not visit.check_in_photo and list(media.rglob("*.*")) == []


# --- the cards -------------------------------------------------------------------------------------


def test_the_cards_show_what_the_agent_needs_and_a_call_link_only_when_a_call_is_allowed(announced, agents):
    visit, at = announced
    agent = client_for(agents[0].user)
    with frozen(at):
        page = agent.get(reverse("visits:mine")).content.decode()
    account = visit.case.account
    phone = ContactPoint.objects.filter(borrower=account.borrower, kind="phone").first()
    assert account.borrower.full_name in page and visit.address in page and account.loan_number in page
    assert "openstreetmap.org/?mlat=31.230400&amp;mlon=121.473700" in page
    assert reverse("desk:case", args=[visit.case_id]) in page and reverse("visits:check_in", args=[visit.pk]) in page
    assert f'href="tel:{phone.value}"' in page and "Open now" in page

    for minute in (0, 20, 40):  # three connected calls today: the CN cap refuses a fourth
        past(visit.case, at - timedelta(minutes=60 - minute), point=phone, outcome=Outcome.RIGHT_PARTY)
    with frozen(at):
        page = agent.get(reverse("visits:mine")).content.decode()
    assert "tel:" not in page and "No call ahead now:" in page and "3 connected calls" in page


def test_the_cards_cost_the_same_queries_for_one_visit_or_three(announced, agents, collector, supervisor):
    visit, at = announced
    agent = client_for(agents[0].user)
    with frozen(at):
        agent.get(reverse("visits:mine"))  # warm: the session and the permission caches
        with CaptureQueriesContext(connection) as one:
            agent.get(reverse("visits:mine"))
    for _ in range(2):  # on other borrowers' cases: their phones and holds are read too
        other = FieldVisit.objects.create(
            case=eligible_case(collector=collector),
            requested_by=collector,
            approver=supervisor,
            reason="r",
            address="上海市静安区南京西路2号",
            state=VisitState.NOTIFIED,
            window_start=visit.window_start,
            window_end=visit.window_end,
            notice_sent_at=visit.notice_sent_at,
        )
        other.agents.set(agents)
    with frozen(at):
        with CaptureQueriesContext(connection) as three:
            page = agent.get(reverse("visits:mine"))
    assert page.content.decode().count('class="visit-card') == 3
    assert len(three) == len(one), [q["sql"] for q in three.captured_queries]
    assert len(one) <= 20


# --- the report --------------------------------------------------------------------------------------


MET = {
    "outcome": "met_borrower",
    "identity_verified": "on",
    "identity_method": "ID card seen",
    "willingness": "willing",
    "ability": "partly",
    "next_steps": "Pays 1,000 on Friday; the collector calls Monday.",
    "conduct_attested": "on",
}


def report(agent, visit, at, data):
    with frozen(at):
        return client_for(agent).post(reverse("visits:report", args=[visit.pk]), data)


def test_one_missing_checkbox_keeps_every_value_and_points_to_the_field(under_way, agents, media):
    visit, at = under_way
    due = (timezone.localdate() + timedelta(days=5)).isoformat()
    data = {**MET, "promise_amount": "1000", "promise_due": due, "agreement_file": pdf()}
    del data["conduct_attested"]
    page = report(agents[0].user, visit, at, data)
    text = page.content.decode()
    assert page.status_code == 200 and FieldVisit.objects.get(pk=visit.pk).state == VisitState.IN_PROGRESS
    assert page.context["form"].errors.keys() == {"conduct_attested"}
    for value in ("ID card seen", "Pays 1,000 on Friday; the collector calls Monday.", 'value="1000"', due):
        assert value in text
    assert "Already sent: PDF file" in text  # the agreement waits in the draft
    draft = VisitReportDraft.objects.get(visit=visit)
    assert draft.values["identity_method"] == "ID card seen" and draft.agreement_file

    data = {**MET, "promise_amount": "1000", "promise_due": due}  # the file is not sent again
    assert report(agents[0].user, visit, at, data).status_code == 302
    visit = FieldVisit.objects.get(pk=visit.pk)
    assert visit.state == VisitState.COMPLETED and visit.outcome == VisitOutcome.MET_BORROWER
    assert visit.promise.amount == Decimal("1000") and visit.agreement_file.name == draft.agreement_file.name
    assert not VisitReportDraft.objects.filter(visit=visit).exists()


def test_a_malformed_date_is_named_and_the_amount_is_not_blamed(under_way, agents):
    visit, at = under_way
    page = report(agents[0].user, visit, at, {**MET, "promise_amount": "1000", "promise_due": "31/02/2027"})
    errors = page.context["form"].errors
    assert "promise_due" in errors and "promise_amount" not in errors
    assert "31/02/2027" in page.content.decode() and "both its amount and its date" not in page.content.decode()


def test_a_not_at_home_visit_is_completed_without_an_agreement_or_the_borrowers_steps(under_way, agents):
    visit, at = under_way
    data = {"outcome": "not_at_home", "report_note": "Nobody answered; left a card.", "conduct_attested": "on"}
    assert report(agents[0].user, visit, at, data).status_code == 302
    visit = FieldVisit.objects.get(pk=visit.pk)
    assert visit.state == VisitState.COMPLETED and visit.outcome == "not_at_home" and not visit.agreement_file
    assert visit.attempt.outcome == Outcome.NO_ANSWER and visit.promise is None
    event = CaseEvent.objects.filter(case=visit.case, code="visit_reported").get()
    assert event.params["visit_outcome"] == "not_at_home"


@pytest.mark.parametrize(
    "data, fields",
    [
        ({}, {"outcome"}),
        ({"outcome": "not_at_home"}, {"report_note", "conduct_attested"}),
        ({**MET, "promise_amount": "900", "promise_due": "2099-01-01"}, {"agreement_file"}),
        ({**MET, "payment_reference": "POS-1"}, {"receipt_file"}),
        (
            {"outcome": "third_party_only", "report_note": "Spoke with the neighbour.", "conduct_attested": "on"}
            | {"promise_amount": "900", "promise_due": "2099-01-01"},
            {"promise_amount", "promise_due"},
        ),
        ({**MET, "promise_amount": "900", "plan_total": "900"}, {"plan_total", "agreement_file"}),
        ({**MET, "plan_total": "3000"}, {"plan_count", "plan_first_due", "agreement_file"}),
    ],
)
def test_what_an_outcome_requires_is_named_field_by_field(under_way, agents, data, fields):
    visit, at = under_way
    page = report(agents[0].user, visit, at, data)
    assert page.status_code == 200 and set(page.context["form"].errors) == fields
    assert FieldVisit.objects.get(pk=visit.pk).state == VisitState.IN_PROGRESS


def test_a_plan_agreed_at_the_door_becomes_the_cases_plan(under_way, agents, media):
    visit, at = under_way
    first = (timezone.localdate() + timedelta(days=7)).isoformat()
    data = {
        **MET,
        "plan_total": "3000",
        "plan_count": "3",
        "plan_first_due": first,
        "plan_every": "monthly",
        "agreement_file": pdf(),
    }
    assert report(agents[0].user, visit, at, data).status_code == 302
    visit = FieldVisit.objects.get(pk=visit.pk)
    plan = RepaymentPlan.objects.get(pk=visit.plan_id)
    assert plan.case_id == visit.case_id and sum(i.amount for i in plan.installments.all()) == Decimal("3000")
    assert not PromiseToPay.objects.filter(case=visit.case).exists()


def test_the_draft_is_saved_as_the_agent_types_and_read_back(under_way, agents, media):
    visit, at = under_way
    agent = client_for(agents[0].user)
    url = reverse("visits:draft", args=[visit.pk])
    with frozen(at):
        saved = agent.post(url, {"outcome": "met_borrower", "identity_method": "Face match", "agreement_file": pdf()})
        refused = agent.post(url, {"outcome": "met_borrower", "receipt_file": html_named_pdf("receipt.pdf")})
        page = agent.get(reverse("visits:report", args=[visit.pk])).content.decode()
    assert saved.status_code == 200 and "Draft saved at" in saved.json()["saved"]
    assert set(saved.json()["files"]) == {"agreement_file"}
    assert refused.status_code == 422 and "content is not of a kind" in refused.json()["refused"]["receipt_file"]
    assert set(refused.json()["files"]) == {"agreement_file"}  # the one sent before stays
    draft = VisitReportDraft.objects.get(visit=visit)
    assert draft.values == {"outcome": "met_borrower"} and not draft.receipt_file  # the latest values, as typed
    assert re.search(r'value="met_borrower"[^>]*checked', page)
    assert "Already sent: PDF file" in page


def test_someone_elses_draft_is_out_of_reach(under_way, agents):
    visit, at = under_way
    with frozen(at):
        response = client_for(agents[1].user).post(reverse("visits:draft", args=[visit.pk]), {"report_note": "x"})
    # The second agent is assigned too: they share the visit, and its draft.
    assert response.status_code == 200
    stranger = make_field_agent(badge="SH-999", username="stranger", last_name="Wu")
    with frozen(at):
        response = client_for(stranger.user).post(reverse("visits:draft", args=[visit.pk]), {"report_note": "y"})
    assert response.status_code == 404 and VisitReportDraft.objects.get(visit=visit).values == {"report_note": "x"}


# --- an address's position from the feed -----------------------------------------------------------


def test_a_visit_to_an_address_with_a_position_from_the_feed_carries_it(db, collector, agents):
    case = eligible_case(collector=collector)
    ContactPoint.objects.filter(borrower=case.account.borrower, kind="postal").update(
        latitude=ADDRESS[0], longitude=ADDRESS[1]
    )
    start, end = window()
    visit = services.request_visit(
        CollectionCase.objects.get(pk=case.pk),
        by=collector,
        reason="r",
        window_start=start,
        window_end=end,
        address="上海市黄浦区人民路1号",
    )
    assert (visit.address_latitude, visit.address_longitude) == ADDRESS
    typed = services.request_visit(
        CollectionCase.objects.get(pk=eligible_case(collector=collector).pk),
        by=collector,
        reason="r",
        window_start=start,
        window_end=end,
        address="上海市静安区南京西路2号",  # typed by hand: nothing here geocodes it
    )
    assert typed.address_latitude is None
