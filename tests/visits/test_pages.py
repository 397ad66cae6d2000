"""The visit pages: the supervisor's inbox, the agent's page, and the borrower's /verify/."""

from datetime import timedelta
from decimal import Decimal
import re
from zoneinfo import ZoneInfo

from django.test import Client
from django.urls import reverse
from django.utils import timezone
import pytest

from cases.models import CaseState, CollectionCase, ContactPoint
from contacts import outbox
from tests.clients import client_for
from tests.clock import SHANGHAI, frozen, local, window
from tests.factories import eligible_case
from tests.visits.uploads import pdf
from visits import services
from visits.models import FieldVisit, VisitState

NOTICE_TIME = local(SHANGHAI, day_offset=1, hour=10)


@pytest.fixture(autouse=True)
def outbox_dir(tmp_path, settings):
    settings.OUTBOX_DIR = tmp_path / "outbox"


def test_full_path_through_the_pages(db, collector, supervisor, agents, notice_templates):
    case = eligible_case(collector=collector)
    start, end = window()
    page = client_for(collector).post(
        reverse("visits:request", args=[case.pk]),
        {
            "window_start": start.strftime("%Y-%m-%d %H:%M"),
            "window_end": end.strftime("%Y-%m-%d %H:%M"),
            "address": "上海市黄浦区人民路1号",
            "reason": "Phone numbers changed; letters unanswered.",
        },
    )
    assert page.status_code == 302
    visit = FieldVisit.objects.get()
    assert visit.window_start == start  # entered in the borrower's zone

    inbox = client_for(supervisor).get(reverse("visits:inbox")).content.decode()
    assert case.account.loan_number in inbox and "field_visit_dpd_reached" not in inbox and "days past due" in inbox
    with frozen(NOTICE_TIME):
        response = client_for(supervisor).post(
            reverse("visits:decide", args=[visit.pk]),
            {"approve": "1", "agents": [a.pk for a in agents], "note": "Two agents, polite."},
        )
        assert response.status_code == 302
        services.sync_notices()
        outbox.dispatch_outbox()
        services.sync_notices()
    assert FieldVisit.objects.get().state == VisitState.NOTIFIED

    agent = client_for(agents[0].user)
    with frozen(start + timedelta(minutes=10)):
        mine = agent.get(reverse("visits:mine")).content.decode()
        assert visit.verification_code in mine and "Check in" in mine
        agent.post(
            reverse("visits:check_in", args=[visit.pk]),
            {"latitude": "31.2304", "longitude": "121.4737", "accuracy": "12", "no_location": ""},
        )
        assert FieldVisit.objects.get().state == VisitState.IN_PROGRESS
        assert agent.get(reverse("visits:report", args=[visit.pk])).status_code == 200
        # The agent reaches the case (its desk) through the visit while it is under way…
        assert agent.get(reverse("desk:case", args=[case.pk])).status_code == 200
        agent.post(
            reverse("visits:report", args=[visit.pk]),
            {
                "outcome": "met_borrower",
                "identity_verified": "on",
                "identity_method": "ID card",
                "willingness": "willing",
                "ability": "partly",
                "next_steps": "Pays 1,000 on Friday.",
                "conduct_attested": "on",
                "promise_amount": "1000",
                "promise_due": (timezone.localdate() + timedelta(days=5)).isoformat(),
                "agreement_file": pdf("agreement.pdf"),
            },
        )
    visit = FieldVisit.objects.get()
    assert visit.state == VisitState.COMPLETED and visit.promise.amount == Decimal("1000")
    assert CollectionCase.objects.get(pk=case.pk).state == CaseState.ARRANGEMENT
    # …and no longer once it is over, on the desk or the admin's case page.
    assert agent.get(reverse("desk:case", args=[case.pk])).status_code == 404
    assert agent.get(reverse("admin:cases_collectioncase_change", args=[case.pk])).status_code == 404


def test_supervisor_cannot_approve_their_own_request_on_the_page(db, supervisor, agents):
    case = eligible_case()
    start, end = window()
    visit = services.request_visit(case, by=supervisor, reason="r", window_start=start, window_end=end, address="a")
    page = client_for(supervisor).post(
        reverse("visits:decide", args=[visit.pk]), {"approve": "1", "agents": [a.pk for a in agents]}
    )
    assert page.status_code == 200 and "may not approve" in page.content.decode()
    assert FieldVisit.objects.get().state == VisitState.REQUESTED


def test_other_roles_cannot_reach_the_inbox_or_act(db, collector, agents, reviewer):
    assert client_for(collector).get(reverse("visits:inbox")).status_code == 403
    assert client_for(reviewer).get(reverse("visits:mine")).status_code == 403
    assert client_for(agents[0].user).get(reverse("visits:inbox")).status_code == 403


def notified_visit(collector, supervisor, agents):
    case = eligible_case(collector=collector)
    start, end = window()
    visit = services.request_visit(case, by=collector, reason="r", window_start=start, window_end=end, address="a")
    with frozen(NOTICE_TIME):
        services.approve_visit(visit, by=supervisor, agents=agents)
        services.send_notice(FieldVisit.objects.get(pk=visit.pk))
        outbox.dispatch_outbox()
        services.sync_notices()
    return FieldVisit.objects.get(pk=visit.pk)


def verify(code, client=None):
    return (client or Client()).post(reverse("verify"), {"code": code}).content.decode()


def test_verify_a_valid_code_in_its_window(db, collector, supervisor, agents, notice_templates):
    visit = notified_visit(collector, supervisor, agents)
    with frozen(visit.window_start + timedelta(minutes=30)):
        page = verify(visit.verification_code.lower())
    assert "SH-001" in page and "SH-002" in page and "Qiang Liu1" in page and "within its announced time" in page
    account = visit.case.account
    for secret in (
        account.borrower.full_name,
        str(account.outstanding_total),
        f"{account.outstanding_total:,.2f}",
        account.loan_number,
        account.borrower.national_id,
    ):
        assert secret not in page


def test_verify_shows_the_window_in_the_borrowers_own_zone(db, collector, supervisor, agents, notice_templates):
    visit = notified_visit(collector, supervisor, agents)
    visit.case.account.borrower.__class__.objects.filter(pk=visit.case.account.borrower_id).update(
        home_time_zone="America/New_York"
    )
    ContactPoint.objects.filter(borrower_id=visit.case.account.borrower_id).update(time_zone="")
    with frozen(visit.window_start + timedelta(minutes=30)):
        page = verify(visit.verification_code)
    new_york = visit.window_start.astimezone(ZoneInfo("America/New_York"))
    assert f"{new_york:%Y-%m-%d %H:%M}" in page and "EST" in page


def test_verify_a_valid_code_out_of_its_window(db, collector, supervisor, agents, notice_templates):
    visit = notified_visit(collector, supervisor, agents)
    with frozen(visit.window_end + timedelta(hours=3)):
        page = verify(visit.verification_code)
    assert "another time" in page and "Do not let anyone in" in page and "400-000-0000" in page
    assert visit.case.account.borrower.full_name not in page


def test_verify_an_unknown_code_warns_of_an_impostor(db):
    page = verify("ABCDEFGHJK")
    assert "impostor" in page and "400-000-0000" in page


def test_repeated_wrong_codes_are_throttled(db, settings, collector, supervisor, agents, notice_templates):
    visit = notified_visit(collector, supervisor, agents)
    client = Client()
    for attempt in range(settings.VERIFY_ATTEMPTS_PER_WINDOW):
        assert client.post(reverse("verify"), {"code": f"WRONG{attempt:05d}"}).status_code == 200
    blocked = client.post(reverse("verify"), {"code": visit.verification_code})
    assert blocked.status_code == 429 and "SH-001" not in blocked.content.decode()


def test_codes_are_unguessable():
    from visits.models import CODE_ALPHABET, CODE_LENGTH, new_verification_code

    codes = {new_verification_code() for _ in range(2000)}
    assert len(codes) == 2000 and all(len(c) == CODE_LENGTH and set(c) <= set(CODE_ALPHABET) for c in codes)
    assert len(CODE_ALPHABET) ** CODE_LENGTH > 10**14


def test_the_visit_page_lists_the_notices_the_borrower_was_sent(
    db, collector, supervisor, reviewer, agents, notice_templates
):
    visit = notified_visit(collector, supervisor, agents)
    page = client_for(reviewer).get(reverse("admin:visits_fieldvisit_change", args=[visit.pk])).content.decode()
    assert "Notices to the borrower" in page
    # Both notice channels, each announcing the visit, each sent.
    kinds = re.findall(r'class="field-kind">\s*<p>([^<]*)</p>', page)
    states = re.findall(r'class="field-state">\s*<p>([^<]*)</p>', page)
    assert (kinds, states) == (["Visit announced"] * 2, ["Sent"] * 2)
    sent = re.findall(r'class="field-sent_at">\s*<p>([^<]*)</p>', page)
    assert len(sent) == 2 and not any("+00:00" in when for when in sent)  # read in the reader's zone
