"""The nightly compliance scan: each rule raises a finding on crafted data and none on
clean data; the scan is idempotent, set-based, and runnable from the admin and Celery."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
import pytest

from cases import services as case_services
from cases.models import CaseState, CollectionCase, ContactPoint
from compliance import scan, services
from compliance.models import Finding, Rule
from compliance.selectors import field_visit_model
from contacts.models import ContactAttempt
from core.models import JobRun
from core.tasks import run_scheduled_job
from policy.codes import Channel, Outcome
from tests.clients import client_for
from tests.clock import ago
from tests.factories import create_case, make_attempt

NEW_YORK = ZoneInfo("America/New_York")


def findings(rule):
    scan.compliance_scan()
    return list(Finding.objects.filter(rule=rule).order_by("pk"))


def on_case(found, case):
    return [f for f in found if f.case_id == case.pk]


def paid_off(case, *, paid_days_ago):
    """The borrower paid everything ``paid_days_ago``; the payment reaches us now."""
    case_services.record_payment(
        case.account, case.account.outstanding_total, ago(days=paid_days_ago), f"PAYOFF-{case.pk}"
    )
    case = CollectionCase.objects.select_related("account__borrower").get(pk=case.pk)
    assert case.state == CaseState.RESOLVED
    return case


def test_contact_after_repayment(db, collector):
    crafted = create_case(collector=collector)
    make_attempt(crafted, ago(days=5), agent=collector)  # before paying: fine
    make_attempt(crafted, ago(days=2), agent=collector)  # paid 3 days ago, payment arrived late
    crafted = paid_off(crafted, paid_days_ago=3)
    after_close = make_attempt(crafted, timezone.now(), agent=collector, channel=Channel.SMS)

    clean = create_case(collector=collector)
    make_attempt(clean, ago(days=5), agent=collector)
    clean = paid_off(clean, paid_days_ago=3)
    make_attempt(clean, timezone.now(), allowed=False, reasons=["case_closed"])  # the engine refused: working
    inbound = make_attempt(clean, timezone.now(), agent=collector)
    ContactAttempt.objects.filter(pk=inbound.pk).update(direction=ContactAttempt.Direction.INBOUND)

    found = findings(Rule.CONTACT_AFTER_REPAYMENT)
    assert on_case(found, clean) == []
    assert sorted(f.severity for f in found) == ["high", "medium"]
    high = next(f for f in found if f.severity == "high")
    assert high.agent == collector
    assert (high.evidence[0]["model"], high.evidence[0]["id"]) == ("contacts.ContactAttempt", after_close.pk)
    assert any(e["model"] == "cases.Payment" for e in high.evidence)


def test_attempts_blocked_repeatedly_by_one_agent_on_one_case(db, collector, other_collector):
    crafted = create_case(collector=collector)
    for day in (6, 4, 1):
        make_attempt(crafted, ago(days=day), agent=collector, allowed=False, reasons=["daily_cap"])

    spread = create_case(collector=collector)  # three refusals, never three within 7 days
    for day in (20, 12, 4):
        make_attempt(spread, ago(days=day), agent=collector, allowed=False, reasons=["outside_hours"])
    shared = create_case(collector=collector)  # three refusals by two people
    for day, agent in ((3, collector), (2, other_collector), (1, collector)):
        make_attempt(shared, ago(days=day), agent=agent, allowed=False, reasons=["weekly_cap"])

    found = findings(Rule.REPEATED_BLOCKS)
    assert [(f.case_id, f.agent_id) for f in found] == [(crafted.pk, collector.pk)]
    assert len([e for e in found[0].evidence if e["model"] == "contacts.ContactAttempt"]) == 3
    # The refusals are kept as codes and worded by their labels when read.
    assert (found[0].summary_code, found[0].summary_params["reasons"]) == ("repeated_blocks", ["daily_cap"])
    with translation.override("en"):
        assert "(Daily limit reached)" in found[0].summary_text and "daily_cap" not in found[0].summary_text

    # A fourth refusal in the same week joins the cluster; it is not a new finding.
    make_attempt(crafted, ago(hours=2), agent=collector, allowed=False, reasons=["daily_cap"])
    assert len(findings(Rule.REPEATED_BLOCKS)) == 1


def test_every_override_is_a_finding(db, collector, supervisor):
    crafted = create_case(collector=collector)
    make_attempt(
        crafted,
        ago(days=1),
        agent=supervisor,
        reasons=["weekly_cap"],
        overridden_by=supervisor,
        override_reason="borrower asked for the call",
    )
    clean = create_case(collector=collector)
    make_attempt(clean, ago(days=1), agent=collector)

    found = findings(Rule.OVERRIDE)
    assert [(f.case_id, f.agent_id) for f in found] == [(crafted.pk, supervisor.pk)]
    assert "borrower asked for the call" in found[0].summary


def _new_york_case(collector):
    case = create_case(profile="US-REGF", collector=collector)
    borrower = case.account.borrower
    borrower.home_time_zone = "America/New_York"
    borrower.save()
    return CollectionCase.objects.select_related("account__borrower").get(pk=case.pk)


def _new_york(days_ago, hour):
    return datetime.combine(
        timezone.now().astimezone(NEW_YORK).date() - timedelta(days=days_ago), time(hour), tzinfo=NEW_YORK
    )


def test_call_within_the_wait_after_a_conversation(db, collector, supervisor):
    crafted = _new_york_case(collector)
    make_attempt(crafted, _new_york(10, 15), agent=collector, outcome=Outcome.RIGHT_PARTY, conversation=True)
    breach = make_attempt(crafted, _new_york(4, 9), agent=collector)  # day 7 of the 7-day wait

    clean = _new_york_case(collector)
    make_attempt(clean, _new_york(10, 15), agent=collector, outcome=Outcome.RIGHT_PARTY, conversation=True)
    make_attempt(clean, _new_york(3, 9), agent=collector)  # day 8: allowed again
    overridden = _new_york_case(collector)
    make_attempt(overridden, _new_york(10, 15), agent=collector, outcome=Outcome.RIGHT_PARTY, conversation=True)
    make_attempt(
        overridden,
        _new_york(8, 9),
        agent=supervisor,
        overridden_by=supervisor,
        override_reason="asked",
        reasons=["post_conversation_wait"],
    )

    found = findings(Rule.CONVERSATION_WAIT)
    assert [f.case_id for f in found] == [crafted.pk]
    assert found[0].severity == "high" and "day 7 of the 7-day wait" in found[0].summary
    assert found[0].evidence[0]["id"] == breach.pk


def _weekly(case, per_week, weeks):
    for week in weeks:
        for n in range(per_week):
            make_attempt(case, ago(days=7 * week + 2, minutes=n), channel=Channel.SMS if n % 2 else Channel.PHONE_CALL)


def test_caps_within_one_of_the_limit_for_several_weeks(db):
    crafted = create_case()  # CN: at most 10 attempts per borrower in 7 days
    _weekly(crafted, 9, weeks=(0, 1, 3))
    two_weeks = create_case()
    _weekly(two_weeks, 9, weeks=(0, 1))
    below = create_case()
    _weekly(below, 8, weeks=(0, 1, 2, 3))

    found = findings(Rule.CAPS_NEAR_LIMIT)
    assert [(f.borrower_id, f.case_id) for f in found] == [(crafted.account.borrower_id, crafted.pk)]
    assert "limit of 10 in 3 of the last 4 weeks" in found[0].summary


def test_third_party_contacts(db, collector):
    crafted = create_case(collector=collector)
    employer = ContactPoint.objects.create(
        borrower=crafted.account.borrower,
        kind="phone",
        value="+8613900000999",
        owner=ContactPoint.Owner.THIRD_PARTY,
        third_party_relation="employer",
    )
    make_attempt(crafted, ago(days=1), agent=collector, point=employer, outcome=Outcome.THIRD_PARTY)
    make_attempt(crafted, ago(days=1), agent=collector, point=employer, allowed=False, reasons=["third_party_limit"])
    clean = create_case(collector=collector)
    make_attempt(clean, ago(days=1), agent=collector)

    found = findings(Rule.THIRD_PARTY_CONTACT)
    assert [(f.case_id, f.agent_id) for f in found] == [(crafted.pk, collector.pk)]
    assert "employer" in found[0].summary


def test_field_visits_without_a_completed_report(db, collector, supervisor):
    FieldVisit = field_visit_model()
    if FieldVisit is None:
        pytest.skip("the visits app does not provide FieldVisit yet")
    crafted, clean = create_case(collector=collector), create_case(collector=collector)

    def visit(case, state, window_end, **report):
        return FieldVisit.objects.create(
            case=case,
            state=state,
            requested_by=collector,
            reason="no contact",
            window_start=window_end - timedelta(hours=2),
            window_end=window_end,
            address="somewhere",
            **report,
        )

    unreported = visit(crafted, "in_progress", ago(days=1))
    visit(
        clean,
        "completed",
        ago(days=1),
        identity_verified=True,
        identity_method="ID card",
        willingness="willing",
        ability="able",
        next_steps="pays on Friday",
        conduct_attested=True,
    )
    visit(clean, "in_progress", timezone.now() + timedelta(hours=1))  # still in its window

    found = findings(Rule.VISIT_WITHOUT_REPORT)
    assert [f.case_id for f in found] == [crafted.pk]
    assert found[0].evidence[0] == {
        "model": "visits.FieldVisit",
        "id": unreported.pk,
        "code": "visit",
        "params": {"visit": unreported.pk, "state": "in_progress"},
        "label": f"Visit {unreported.pk} (In progress)",
    }


def test_each_open_complaint(db, reviewer, collector):
    crafted, clean = create_case(collector=collector), create_case(collector=collector)
    services.record_complaint(
        by=reviewer,
        borrower=crafted.account.borrower,
        case=crafted,
        channel="phone",
        category="harassment",
        description="calls every hour",
        agent=collector,
    )
    settled = services.record_complaint(
        by=reviewer,
        borrower=clean.account.borrower,
        case=clean,
        channel="email",
        category="fees",
        description="late fee too high",
    )
    services.resolve_complaint(settled, by=reviewer, resolution="fee explained, within the contract")

    found = findings(Rule.COMPLAINT)
    assert [(f.case_id, f.agent_id, f.severity) for f in found] == [(crafted.pk, collector.pk, "high")]


def test_the_scan_is_idempotent_and_set_based(db, collector, supervisor):
    def crafted_set():
        case = create_case(collector=collector)
        for day in (3, 2, 1):
            make_attempt(case, ago(days=day), agent=collector, allowed=False, reasons=["daily_cap"])
        make_attempt(
            case,
            ago(days=1),
            agent=supervisor,
            overridden_by=supervisor,
            override_reason="asked",
            reasons=["weekly_cap"],
        )

    crafted_set()
    first = scan.compliance_scan()
    assert first["created"] == 2 and first["repeated_blocks"] == 1 and first["overrides"] == 1
    again = scan.compliance_scan()
    assert again["created"] == 0 and Finding.objects.count() == 2

    crafted_set()
    with CaptureQueriesContext(connection) as one_new_set:
        assert scan.compliance_scan()["created"] == 2
    for _ in range(5):
        crafted_set()
    with CaptureQueriesContext(connection) as five_new_sets:
        assert scan.compliance_scan()["created"] == 10
    assert len(five_new_sets) == len(one_new_set), "a query per attempt or per finding crept in"


def test_reviewers_run_the_scan_from_the_findings_list(db, reviewer, collector, supervisor):
    case = create_case(collector=collector)
    make_attempt(
        case, ago(days=1), agent=supervisor, overridden_by=supervisor, override_reason="asked", reasons=["weekly_cap"]
    )
    client = client_for(reviewer)
    assert "Run scan now" in client.get(reverse("admin:compliance_finding_changelist")).content.decode()
    page = client.post(reverse("admin:compliance_finding_run_scan"), follow=True).content.decode()
    assert "1 new finding" in page
    run = JobRun.objects.get(job="compliance_scan")
    assert run.trigger == "admin" and run.started_by == reviewer and run.counts["created"] == 1

    assert client_for(collector).post(reverse("admin:compliance_finding_run_scan")).status_code == 403
    assert client_for(supervisor).post(reverse("admin:compliance_finding_run_scan")).status_code == 403


def test_the_nightly_task_records_its_run(db, collector):
    case = create_case(collector=collector)
    for day in (3, 2, 1):
        make_attempt(case, ago(days=day), agent=collector, allowed=False, reasons=["daily_cap"])
    counts = run_scheduled_job("compliance_scan")
    assert counts["created"] == 1
    assert JobRun.objects.get(job="compliance_scan").status == JobRun.Status.SUCCEEDED


def test_a_manual_finding_and_the_decisions_on_findings(db, reviewer, collector):
    from compliance.exceptions import FindingError
    from core.exceptions import NotPermitted

    case = create_case(collector=collector)
    raised = services.raise_finding(
        by=reviewer, severity="low", summary="rude note on the call", case=case, agent=collector
    )
    with pytest.raises(FindingError, match="why"):
        services.dismiss_finding(raised, by=reviewer, reason="  ")
    with pytest.raises(NotPermitted):
        services.confirm_finding(raised, by=collector)
    services.dismiss_finding(raised, by=reviewer, reason="the note quotes the borrower")
    raised.refresh_from_db()
    assert (raised.status, raised.reviewer) == ("dismissed", reviewer)
    assert raised.review_note == "the note quotes the borrower"
    with pytest.raises(FindingError, match="already dismissed"):
        services.confirm_finding(raised, by=reviewer)
    history = list(raised.history.order_by("history_id").values_list("status", "history_user__username"))
    assert history == [("open", reviewer.username), ("dismissed", reviewer.username)]


def test_deciding_a_finding_in_the_admin(db, reviewer, collector):
    case = create_case(collector=collector)
    raised = services.raise_finding(by=reviewer, severity="medium", summary="called a relative", case=case)
    url = reverse("admin:compliance_finding_change", args=[raised.pk])
    client = client_for(reviewer)
    page = client.get(url).content.decode()
    assert "Confirm: a rule was bent" in page and case.account.loan_number in page
    refused = client.post(url, {"decision": "dismiss", "review_note": ""})
    assert refused.status_code == 200 and "Say why" in refused.content.decode()
    assert client.post(url, {"decision": "confirm", "review_note": "disclosed the debt"}).status_code == 302
    raised.refresh_from_db()
    assert raised.status == "confirmed" and raised.reviewer == reviewer
    assert client.post(url, {"decision": "dismiss", "review_note": "changed my mind"}).status_code == 403
    assert client_for(collector).get(url).status_code == 403
