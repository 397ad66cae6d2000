"""Each field-visit guard at its boundary, and the whole way through the services."""

from datetime import timedelta
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone
import pytest

from audit.ledger import seal_pending, verify_chain
from cases import services as case_services
from cases.models import CaseState, CollectionCase
from contacts import outbox
from contacts.gateways.file import delivered
from contacts.models import ContactAttempt, OutboundMessage
from core.exceptions import NotPermitted
from policy.codes import Channel
from tests.clients import client_for
from tests.clock import SHANGHAI, frozen, local, window
from tests.factories import eligible_case, make_user
from tests.visits.uploads import pdf
from visits import services
from visits.models import FieldVisit, VisitNotice, VisitState
from visits.services import VisitRefused


@pytest.fixture(autouse=True)
def outbox_dir(tmp_path, settings):
    settings.OUTBOX_DIR = tmp_path / "outbox"
    return settings.OUTBOX_DIR


def request(case, by, **kwargs):
    start, end = window()
    return services.request_visit(
        case,
        by=by,
        reason="Numbers changed; calls refused.",
        window_start=start,
        window_end=end,
        address="上海市黄浦区人民路1号",
        **kwargs,
    )


@pytest.mark.parametrize(
    "change, rule",
    [
        ({"dpd": 89}, "field_visit_dpd_reached"),
        ({"outstanding": Decimal("9999.99")}, "field_visit_balance_reached"),
        ({"calls": 3, "texts": 2}, "has_failed_remote_contact"),  # 5 failed attempts
        ({"calls": 6, "texts": 0}, "has_failed_remote_contact"),  # 6, but one channel
        ({"notice_days_ago": 6}, "notice_lead_time_elapsed"),
    ],
)
def test_request_refused_one_below_each_threshold(db, collector, agents, change, rule):
    case = eligible_case(collector=collector, **change)
    with pytest.raises(VisitRefused) as refusal:
        request(case, collector)
    assert [check["rule"] for check in refusal.value.failed] == [rule]
    assert not FieldVisit.objects.exists()


def test_request_allowed_at_every_threshold_with_a_snapshot(db, collector, agents):
    case = eligible_case(dpd=90, outstanding=Decimal("10000"), calls=4, texts=2, notice_days_ago=7, collector=collector)
    visit = request(case, collector)
    snapshot = visit.eligibility
    assert snapshot["days_past_due"] == 90 and snapshot["failed_attempts_by_channel"] == {"phone_call": 4, "sms": 2}
    assert all(check["passed"] for check in snapshot["checks"])
    assert {"SH-001", "SH-002"} <= set(snapshot["checks"][-1]["inputs"]["agents"])


def test_uncovered_region_needs_a_documented_exception(db, collector, supervisor, agents):
    case = eligible_case(collector=collector)
    case.account.borrower.__class__.objects.filter(pk=case.account.borrower_id).update(region="Lhasa")
    with pytest.raises(VisitRefused, match="no field partner"):
        request(case, collector)
    with pytest.raises(NotPermitted):
        request(case, collector, exception_reason="Borrower asked us to come")
    visit = request(case, supervisor, exception_reason="Borrower asked for a visit to sign the plan in person.")
    assert visit.exception and "sign the plan" in visit.exception_reason


def test_a_case_below_written_notice_cannot_be_visited(db, collector, agents):
    case = eligible_case(collector=collector)
    CollectionCase.objects.filter(pk=case.pk).update(state=CaseState.PHONE, ladder_rung=CaseState.PHONE)
    with pytest.raises(VisitRefused, match="written-notice rung"):
        request(CollectionCase.objects.get(pk=case.pk), collector)


def test_approver_must_not_be_the_requester(db, supervisor, agents):
    case = eligible_case()
    visit = request(case, supervisor)
    with pytest.raises(NotPermitted):
        services.approve_visit(visit, by=supervisor, agents=agents)
    assert FieldVisit.objects.get(pk=visit.pk).state == VisitState.REQUESTED


def test_cn_visits_need_two_agents(db, collector, supervisor, agents):
    visit = request(eligible_case(collector=collector), collector)
    with pytest.raises(VisitRefused, match="1 field agent"):
        services.approve_visit(visit, by=supervisor, agents=agents[:1])
    services.approve_visit(visit, by=supervisor, agents=agents)
    assert FieldVisit.objects.get(pk=visit.pk).state == VisitState.APPROVED


def test_window_too_soon_for_the_notice_cannot_be_approved(db, collector, supervisor, agents):
    case = eligible_case(collector=collector)
    start = local(SHANGHAI, day_offset=1, hour=10)
    with frozen(start - timedelta(hours=47)):
        visit = services.request_visit(
            case, by=collector, reason="r", window_start=start, window_end=start + timedelta(hours=2), address="a"
        )
        with pytest.raises(VisitRefused, match="the notice must go by"):
            services.approve_visit(visit, by=supervisor, agents=agents)
    with frozen(start - timedelta(hours=48)):
        services.approve_visit(visit, by=supervisor, agents=agents)


def test_one_visit_per_case_per_30_days(db, collector, supervisor, agents):
    case = eligible_case(collector=collector)
    services.reject_visit(request(case, collector), by=supervisor, why="Not yet: try the employer first.")
    request(CollectionCase.objects.get(pk=case.pk), collector)  # a rejected request does not count
    with pytest.raises(VisitRefused, match="limit 1"):
        request(CollectionCase.objects.get(pk=case.pk), collector)


def test_vulnerable_uk_borrower_is_never_visited(db, supervisor, agents):
    case = eligible_case()
    borrower = case.account.borrower
    borrower.policy_profile_code, borrower.vulnerable = "UK-FCA", True
    borrower.save()
    with pytest.raises(VisitRefused, match="vulnerable"):
        request(CollectionCase.objects.get(pk=case.pk), supervisor, exception_reason="urgent")


NOTICE_TIME = local(SHANGHAI, day_offset=1, hour=10)


def approved_and_notified(collector, supervisor, agents, notice_templates):
    case = eligible_case(collector=collector)
    visit = request(case, collector)
    with frozen(NOTICE_TIME):  # exactly the 48 hours' lead before the day-3 window
        services.approve_visit(visit, by=supervisor, agents=agents, note="Go ahead, two agents.")
        assert CollectionCase.objects.get(pk=case.pk).state == CaseState.FIELD_VISIT
        services.send_notice(FieldVisit.objects.get(pk=visit.pk))
        assert outbox.dispatch_outbox()["sent"] == 2  # SMS and letter
        counts = services.sync_notices()
    assert counts["notified"] == 1
    return FieldVisit.objects.get(pk=visit.pk)


def test_the_whole_way_through_the_services(db, collector, supervisor, agents, notice_templates, outbox_dir):
    visit = approved_and_notified(collector, supervisor, agents, notice_templates)
    sms = delivered("sms", outbox_dir)[0]["body"]
    assert visit.verification_code in sms and "SH-001" in sms and "10:00–12:00" in sms
    start, _ = window()
    with frozen(start - timedelta(minutes=1)):
        with pytest.raises(VisitRefused, match="outside the announced window"):
            services.check_in(visit, by=agents[0].user)
    with pytest.raises(NotPermitted):
        services.check_in(visit, by=make_user("Field agent"))
    with frozen(start + timedelta(minutes=5)):
        visit = services.check_in(visit, by=agents[0].user, lat=31.2304, lon=121.4737)
        assert visit.state == VisitState.IN_PROGRESS
        with pytest.raises(services.ReportIncomplete, match="polite and lawful") as refusal:
            services.complete_visit(
                visit,
                by=agents[0].user,
                report={"outcome": "met_borrower", "identity_verified": True, "identity_method": "ID card"},
            )
        assert set(refusal.value.fields) == {"willingness", "ability", "next_steps", "conduct_attested"}
        visit = services.complete_visit(
            visit,
            by=agents[0].user,
            report={
                "outcome": "met_borrower",
                "agreement_file": pdf(),
                "identity_verified": True,
                "identity_method": "ID card seen",
                "willingness": "willing",
                "ability": "partly",
                "next_steps": "Pay 2,000 by Friday; we call Monday.",
                "conduct_attested": True,
                "promise_amount": Decimal("2000"),
                "promise_due": timezone.localdate() + timedelta(days=5),
            },
        )
    assert visit.state == VisitState.COMPLETED and visit.promise.amount == Decimal("2000")
    assert visit.attempt.channel == Channel.FIELD_VISIT and visit.attempt.allowed
    assert visit.attempt.started_at == visit.checked_in_at
    assert CollectionCase.objects.get(pk=visit.case_id).state == CaseState.ARRANGEMENT
    assert visit.outcome == "met_borrower" and visit.agreement_file.name.endswith(".pdf")
    kinds = list(visit.case.events.filter(kind="visit").values_list("transition", flat=True))
    assert kinds == [
        "visit:requested",
        "visit:approved",
        "visit:approved",
        "visit:notified",
        "visit:in_progress",
        "visit:completed",
    ]


def test_late_notice_blocks_check_in(db, collector, supervisor, agents, notice_templates):
    visit = approved_and_notified(collector, supervisor, agents, notice_templates)
    start, _ = window()
    FieldVisit.objects.filter(pk=visit.pk).update(notice_sent_at=start - timedelta(hours=47))
    with frozen(start + timedelta(minutes=5)):
        with pytest.raises(VisitRefused, match="must precede the window by 48 hours"):
            services.check_in(FieldVisit.objects.get(pk=visit.pk), by=agents[0].user)


def test_check_in_refused_by_the_rules_is_recorded(db, collector, supervisor, agents, notice_templates):
    visit = approved_and_notified(collector, supervisor, agents, notice_templates)
    start, _ = window()
    # The borrower asked for no contact: a hold cancels the visit; a stale page still tries.
    FieldVisit.objects.filter(pk=visit.pk).update(
        window_start=start.replace(hour=21, minute=30), window_end=start.replace(hour=23)
    )
    with frozen(start.replace(hour=22, minute=15)):
        with pytest.raises(VisitRefused, match="contact only 08:00–22:00"):
            services.check_in(FieldVisit.objects.get(pk=visit.pk), by=agents[0].user)
    refused = ContactAttempt.objects.get(channel=Channel.FIELD_VISIT)
    assert not refused.allowed and refused.reasons == ["outside_hours"] and refused.agent == agents[0].user


def test_payment_during_an_approved_visit_cancels_it_and_sends_nothing_more(
    db, collector, supervisor, agents, notice_templates, outbox_dir
):
    case = eligible_case(collector=collector)
    visit = request(case, collector)
    services.approve_visit(visit, by=supervisor, agents=agents)
    services.send_notice(FieldVisit.objects.get(pk=visit.pk))
    case_services.record_payment(case.account, case.account.outstanding_total, timezone.now(), "PAID-BEFORE-VISIT")
    visit = FieldVisit.objects.get(pk=visit.pk)
    assert visit.state == VisitState.CANCELLED and "resolved" in visit.end_reason.lower()
    with frozen(NOTICE_TIME):
        outbox.dispatch_outbox()
        services.sync_notices()
    assert delivered("sms", outbox_dir) == [] and delivered("letter", outbox_dir) == []
    assert set(OutboundMessage.objects.values_list("state", flat=True)) == {OutboundMessage.State.SUPPRESSED}
    # The suppressed messages are the visit's own announcements, found by their link; a
    # paid-off case has nobody to tell that the visit is off.
    assert {(n.kind, n.message.state) for n in visit.notices.select_related("message")} == {
        (VisitNotice.Kind.ANNOUNCEMENT, OutboundMessage.State.SUPPRESSED)
    }
    assert visit.notices.count() == len(visit.notice_channels.split()) == 2


def test_hold_cancels_an_announced_visit_and_tells_the_borrower(
    db, collector, supervisor, agents, notice_templates, outbox_dir
):
    visit = approved_and_notified(collector, supervisor, agents, notice_templates)
    with frozen(NOTICE_TIME + timedelta(hours=1)):
        case_services.place_hold(CollectionCase.objects.get(pk=visit.case_id), "dispute", by=collector)
        assert FieldVisit.objects.get(pk=visit.pk).state == VisitState.CANCELLED
        # The notice already used today's one SMS: the cancellation waits for the morning,
        # still well before the day-3 window.
        assert outbox.dispatch_outbox()["deferred"] == 1
    with frozen(local(SHANGHAI, day_offset=2, hour=8)):
        assert outbox.dispatch_outbox()["sent"] == 1
    assert any("已取消" in message["body"] for message in delivered("sms", outbox_dir))
    cancellation = visit.notices.get(kind=VisitNotice.Kind.CANCELLATION)
    assert cancellation.message.state == OutboundMessage.State.SENT and cancellation.message.case_id == visit.case_id
    # The notice time and the reason it was called off were saved with history, so the
    # live visit agrees with its sealed history.
    latest = FieldVisit.history.filter(id=visit.pk).latest("history_id")
    live = FieldVisit.objects.get(pk=visit.pk)
    assert (latest.notice_sent_at, latest.end_reason) == (live.notice_sent_at, live.end_reason) != (None, "")
    seal_pending()
    assert verify_chain().ok, verify_chain().summary()


def test_field_agents_see_only_the_cases_of_their_visits(db, collector, supervisor, agents):
    from cases.selectors import visible_cases

    case = eligible_case(collector=collector)
    other = eligible_case(collector=collector)
    visit = request(case, collector)
    assert not visible_cases(agents[0].user).exists()
    services.approve_visit(visit, by=supervisor, agents=agents)
    assert list(visible_cases(agents[0].user)) == [CollectionCase.objects.get(pk=case.pk)]
    assert other.pk not in visible_cases(agents[1].user).values_list("pk", flat=True)


FULL_REPORT = {
    "outcome": "met_borrower",
    "identity_verified": True,
    "identity_method": "ID card seen",
    "willingness": "willing",
    "ability": "partly",
    "next_steps": "Pay 2,000 by Friday; we call Monday.",
    "conduct_attested": True,
}


@pytest.mark.parametrize("ending", ["completed", "aborted"])
def test_a_field_agent_loses_the_case_once_their_visit_is_over(
    db, collector, supervisor, agents, notice_templates, ending
):
    from cases.selectors import visible_cases

    visit = approved_and_notified(collector, supervisor, agents, notice_templates)
    agent = agents[0].user
    case_page = reverse("desk:case", args=[visit.case_id])
    assert client_for(agent).get(case_page).status_code == 200  # announced: the agent prepares
    start, _ = window()
    with frozen(start + timedelta(minutes=5)):
        visit = services.check_in(visit, by=agent)
        assert list(visible_cases(agent).values_list("pk", flat=True)) == [visit.case_id]
        if ending == "completed":  # what was agreed is still recorded, by the agent
            report = {
                **FULL_REPORT,
                "promise_amount": Decimal("2000"),
                "promise_due": timezone.localdate(),
                "agreement_file": pdf(),
            }
            visit = services.complete_visit(visit, by=agent, report=report)
            assert visit.promise.created_by == agent and visit.attempt is not None
        else:
            visit = services.abort_visit(visit, by=agent, why="Nobody at home.")
    assert visit.state == ending
    for each in agents:
        assert not visible_cases(each.user).exists()
    assert client_for(agent).get(case_page).status_code == 404
    with pytest.raises(NotPermitted):
        case_services.record_promise(
            CollectionCase.objects.get(pk=visit.case_id), Decimal("10"), timezone.localdate(), by=agent
        )
