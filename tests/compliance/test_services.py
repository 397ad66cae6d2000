"""Complaints, the weekly review sample and the access log, through compliance.services."""

from datetime import datetime, time, timedelta

from django.urls import reverse
from django.utils import timezone
import pytest

from audit import ledger as audit
from cases import services as case_services
from cases.exceptions import HoldError
from cases.models import CaseEvent, CaseState, CollectionCase, Hold
from compliance import services
from compliance.exceptions import ComplaintError, SampleError
from compliance.models import Complaint, ReviewSample
from core.exceptions import NotPermitted
from tests.clients import client_for
from tests.factories import create_case, make_attempt, make_user

# --- complaints --------------------------------------------------------------------------------


def test_a_complaint_with_an_investigation_hold_stops_the_case(db, reviewer, collector):
    case = create_case(dpd=20, collector=collector)
    called = make_attempt(case, timezone.now() - timedelta(days=1), agent=collector)
    complaint = services.record_complaint(
        by=reviewer,
        borrower=case.account.borrower,
        case=case,
        channel="phone",
        category="harassment",
        description="Eight calls in one evening",
        attempts=[called],
        agent=collector,
        place_hold=True,
    )
    assert list(complaint.attempts.all()) == [called] and complaint.agent == collector
    hold = complaint.hold
    assert hold.kind == Hold.Kind.COMPLAINT_INVESTIGATION and hold.placed_by == reviewer
    assert f"Complaint #{complaint.pk}" in hold.note
    assert CollectionCase.objects.get(pk=case.pk).state == CaseState.ON_HOLD
    assert case.events.filter(kind=CaseEvent.Kind.HOLD_PLACED, actor=reviewer).exists()
    assert [h.history_user for h in complaint.history.order_by("history_id")] == [reviewer, reviewer]
    assert audit.verify_chain().ok


@pytest.mark.parametrize("problem", ["other_case", "other_attempt", "hold_without_case", "empty", "future"])
def test_a_complaint_that_does_not_add_up_is_refused(db, reviewer, problem):
    case, other = create_case(), create_case()
    kwargs = {
        "by": reviewer,
        "borrower": case.account.borrower,
        "channel": "email",
        "category": "privacy",
        "description": "told my employer",
    }
    if problem == "other_case":
        kwargs["case"] = other
    elif problem == "other_attempt":
        kwargs["attempts"] = [make_attempt(other, timezone.now())]
    elif problem == "hold_without_case":
        kwargs["place_hold"] = True
    elif problem == "empty":
        kwargs["description"] = "  "
    else:
        kwargs["received_at"] = timezone.now() + timedelta(days=1)
    with pytest.raises(ComplaintError):
        services.record_complaint(**kwargs)
    assert not Complaint.objects.exists()


def test_no_complaint_is_stored_when_its_hold_is_refused(db, reviewer, supervisor):
    case = create_case()
    case_services.apply_transition(case, "write_off", by=supervisor, reason="estate without assets")
    with pytest.raises(HoldError):
        services.record_complaint(
            by=reviewer,
            borrower=case.account.borrower,
            case=case,
            channel="letter",
            category="fees",
            description="fees after write-off",
            place_hold=True,
        )
    assert not Complaint.objects.exists()


def test_who_records_and_resolves_complaints(db, collector, supervisor, reviewer):
    case = create_case()
    with pytest.raises(NotPermitted):
        services.record_complaint(
            by=collector, borrower=case.account.borrower, channel="phone", category="wrong_person", description="not me"
        )
    complaint = services.record_complaint(
        by=supervisor, borrower=case.account.borrower, channel="phone", category="wrong_person", description="not me"
    )
    with pytest.raises(NotPermitted):
        services.resolve_complaint(complaint, by=supervisor, resolution="number removed")
    with pytest.raises(ComplaintError):
        services.resolve_complaint(complaint, by=reviewer, resolution=" ")
    services.resolve_complaint(complaint, by=reviewer, resolution="number belonged to someone else; removed")
    with pytest.raises(ComplaintError, match="already resolved"):
        services.resolve_complaint(complaint, by=reviewer, resolution="again")


# --- review samples ---------------------------------------------------------------------------------


def _last_week_at(day, hour=11):
    monday = services.week_of(timezone.localdate()) - timedelta(days=7)
    return timezone.make_aware(datetime.combine(monday + timedelta(days=day), time(hour)))


def test_weekly_sample_draws_n_cases_per_agent_from_their_week(db, settings, collector, other_collector):
    settings.COMPLIANCE_SAMPLE_PER_AGENT = 2
    mine = [create_case(collector=collector) for _ in range(4)]
    theirs = create_case(collector=other_collector)
    for day, case in enumerate(mine):
        make_attempt(case, _last_week_at(day), agent=collector)
    make_attempt(theirs, _last_week_at(1), agent=other_collector)
    make_attempt(create_case(), _last_week_at(1) - timedelta(days=7), agent=other_collector)  # the week before

    assert services.sample_cases_for_review() == {"agents": 2, "sampled": 3}
    week = services.week_of(timezone.localdate()) - timedelta(days=7)
    drawn = ReviewSample.objects.filter(week=week)
    assert drawn.filter(agent=collector).count() == 2
    assert set(drawn.filter(agent=collector).values_list("case_id", flat=True)) <= {c.pk for c in mine}
    assert list(drawn.filter(agent=other_collector).values_list("case_id", flat=True)) == [theirs.pk]
    assert services.sample_cases_for_review() == {"agents": 2, "sampled": 0}  # the same week again
    settings.COMPLIANCE_SAMPLE_PER_AGENT = 3
    assert services.sample_cases_for_review()["sampled"] == 1  # topped up, never duplicated
    assert drawn.filter(agent=collector).values("case").distinct().count() == 3
    assert audit.verify_chain().ok  # rows written in bulk were sealed


def test_reviewing_a_sample(db, reviewer, collector):
    sample = services.queue_sample(create_case(collector=collector), by=reviewer)
    yes = {name: True for name, _ in ReviewSample.CHECKLIST}
    with pytest.raises(SampleError, match="Answer every question"):
        services.record_sample_review(sample, by=reviewer, answers={**yes, "caps_respected": None}, verdict="pass")
    with pytest.raises(SampleError, match="cannot pass"):
        services.record_sample_review(sample, by=reviewer, answers={**yes, "tone_professional": False}, verdict="pass")
    with pytest.raises(SampleError, match="Say what"):
        services.record_sample_review(sample, by=reviewer, answers=yes, verdict="concern")
    with pytest.raises(NotPermitted):
        services.record_sample_review(sample, by=collector, answers=yes, verdict="pass")
    reviewed = services.record_sample_review(
        sample,
        by=reviewer,
        answers={**yes, "tone_professional": False},
        verdict="concern",
        note="note calls the borrower lazy",
    )
    assert (reviewed.verdict, reviewed.tone_professional, reviewed.reviewer) == ("concern", False, reviewer)
    with pytest.raises(SampleError, match="already reviewed"):
        services.record_sample_review(sample, by=reviewer, answers=yes, verdict="pass")


def test_nobody_reviews_their_own_work(db, collector):
    reviewer_who_collects = make_user("Compliance reviewer")
    sample = services.queue_sample(
        create_case(collector=collector), by=reviewer_who_collects, agent=reviewer_who_collects
    )
    with pytest.raises(NotPermitted):
        services.record_sample_review(
            sample, by=reviewer_who_collects, answers={name: True for name, _ in ReviewSample.CHECKLIST}, verdict="pass"
        )


def test_the_sample_review_form_in_the_admin(db, reviewer, collector):
    sample = services.queue_sample(create_case(collector=collector), by=reviewer)
    url = reverse("admin:compliance_reviewsample_change", args=[sample.pk])
    client = client_for(reviewer)
    answers = {name: "true" for name, _ in ReviewSample.CHECKLIST}
    refused = client.post(url, {**answers, "no_third_party_disclosure": "false", "verdict": "pass", "note": ""})
    assert refused.status_code == 200 and "cannot pass" in refused.content.decode()
    assert client.post(url, {**answers, "verdict": "pass", "note": ""}).status_code == 302
    assert ReviewSample.objects.get(pk=sample.pk).verdict == "pass"
    assert client.post(url, {**answers, "verdict": "fail", "note": "x"}).status_code == 403  # decided
    landing = client.get(reverse("compliance:workspace")).content.decode()
    assert "Nothing to review." in landing
