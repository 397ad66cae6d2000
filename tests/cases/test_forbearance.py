"""Forbearance before enforcement (POLICY.md second edition; EU CCD2 art. 35, FCA PS24/2):
the assessment service, its case event, the legal-referral guard it satisfies for 90
calendar days under EU-CCD2 and UK-FCA (not required under CN), the debt-advice referral it
queues under EU-CCD2, and the case page that says why legal referral is not available."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone, translation
import pytest

from cases import guards, services
from cases.event_text import EventCode, describe
from cases.models import CaseEvent, CaseState, CollectionCase, ForbearanceAssessment
from contacts.models import MessageTemplate, OutboundMessage
from core.exceptions import NotPermitted
from policy.selectors import current_profile
from tests.clients import client_for
from tests.factories import create_case

OFFERED = ["payment_holiday", "repayment_plan"]


def legal_ready(profile: str, *, collector=None) -> CollectionCase:
    """A case on the field-visit rung that meets every other legal-referral rule: 200 days
    past due, written notice sent a month ago, the debt recent enough to sue on."""
    case = create_case(dpd=200, profile=profile, collector=collector)
    CollectionCase.objects.filter(pk=case.pk).update(
        state=CaseState.FIELD_VISIT,
        ladder_rung=CaseState.FIELD_VISIT,
        written_notice_sent_at=timezone.now() - timedelta(days=30),
    )
    return CollectionCase.objects.get(pk=case.pk)


def assess(case, by, *, days_ago=0, **fields):
    values = {
        "circumstances": "Lost the second job; rent takes most of the income.",
        "options_offered": OFFERED,
        "answer": "accepted",
        "accepted_option": "repayment_plan",
        **fields,
    }
    return services.record_forbearance_assessment(
        case, by=by, assessed_at=timezone.now() - timedelta(days=days_ago), **values
    )


def failed_rules(case, supervisor) -> list[str]:
    with pytest.raises(services.TransitionRefused) as refusal:
        services.escalate(CollectionCase.objects.get(pk=case.pk), by=supervisor, reason="Unpaid for six months now.")
    return [guard.rule for guard in refusal.value.failed_guards]


# --- the service --------------------------------------------------------------------------------


def test_an_assessment_is_stored_with_its_event_in_both_languages(db, collector):
    case = create_case(dpd=40, collector=collector)
    assessment = assess(case, collector, debt_advice_offered=True, note="Asked for a week to decide.")
    assert assessment.options_offered == OFFERED and assessment.assessed_by == collector
    assert assessment.history.count() == 1
    event = CaseEvent.objects.get(case=case, kind=CaseEvent.Kind.FORBEARANCE)
    assert event.code == EventCode.FORBEARANCE_ASSESSED and event.actor == collector
    assert event.params == {
        "options": OFFERED,
        "answer": "accepted",
        "accepted_option": "repayment_plan",
        "debt_advice": True,
    }
    with translation.override("en"):
        assert describe(event) == (
            "Forbearance assessed: offered Payment holiday, Repayment plan; the borrower's answer: accepted "
            "repayment plan. A referral to free debt advice was offered. Asked for a week to decide."
        )


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"options_offered": []}, "options_offered"),
        ({"options_offered": ["debt_forgiveness"]}, "options_offered"),
        ({"answer": "accepted", "accepted_option": "partial_write_off"}, "accepted_option"),
        ({"answer": "accepted", "accepted_option": ""}, "accepted_option"),
        ({"answer": "declined", "accepted_option": "repayment_plan"}, "accepted_option"),
        ({"answer": "maybe", "accepted_option": ""}, "answer"),
        ({"circumstances": "  "}, "circumstances"),
    ],
)
def test_an_assessment_that_does_not_add_up_is_refused_naming_its_field(db, collector, fields, field):
    case = create_case(dpd=40, collector=collector)
    with pytest.raises(services.ForbearanceError) as refusal:
        assess(case, collector, **fields)
    assert refusal.value.field == field
    assert not ForbearanceAssessment.objects.exists() and not case.events.filter(kind="forbearance").exists()


def test_only_who_works_the_case_records_an_assessment(db, collector, other_collector, reviewer):
    case = create_case(dpd=40, collector=collector)
    for outsider in (other_collector, reviewer):
        with pytest.raises(NotPermitted):
            assess(case, outsider)
    assert not ForbearanceAssessment.objects.exists()


# --- the legal-referral guard -------------------------------------------------------------------


@pytest.mark.parametrize("profile", ["EU-CCD2", "UK-FCA"])
def test_legal_referral_needs_an_assessment_of_the_last_90_days(db, supervisor, profile):
    case = legal_ready(profile)
    assert failed_rules(case, supervisor) == ["forbearance_assessed"]
    assess(case, supervisor, days_ago=91)
    assert failed_rules(case, supervisor) == ["forbearance_assessed"]
    assess(case, supervisor, days_ago=90)
    services.escalate(CollectionCase.objects.get(pk=case.pk), by=supervisor, reason="Unpaid for six months now.")
    assert CollectionCase.objects.get(pk=case.pk).state == CaseState.LEGAL


def test_the_refusal_says_what_is_needed_and_under_which_profile(db, supervisor):
    case = legal_ready("EU-CCD2")
    label = current_profile("EU-CCD2").label
    with translation.override("en"):
        result = guards.forbearance_assessed.evaluate(case)
        assert result.explanation == (
            f"A forbearance assessment is needed within the last 90 days before legal referral ({label})."
        )
        assess(case, supervisor, days_ago=91)
        old_day = timezone.localdate() - timedelta(days=91)
        assert guards.forbearance_assessed.evaluate(case).inputs["assessed_on"] == old_day.isoformat()


def test_cn_does_not_require_an_assessment(db, supervisor):
    case = legal_ready("CN")
    result = guards.forbearance_assessed.evaluate(case)
    assert result.passed and result.inputs == {"required": False, "profile": current_profile("CN").label}
    services.escalate(case, by=supervisor, reason="Unpaid for six months now.")
    assert case.state == CaseState.LEGAL


def test_the_case_page_says_why_legal_referral_is_not_available(db, supervisor):
    case = legal_ready("EU-CCD2")
    label = current_profile("EU-CCD2").label
    page = client_for(supervisor).get(
        reverse("admin:cases_collectioncase_change", args=[case.pk]), HTTP_ACCEPT_LANGUAGE="en"
    )
    text = page.content.decode()
    assert "Not possible now" in text and "Refer to legal" in text
    assert f"A forbearance assessment is needed within the last 90 days before legal referral ({label})." in text
    assert reverse("admin:cases_forbearanceassessment_add") + f"?case={case.pk}" in text


def test_staff_record_an_assessment_from_its_form(db, collector):
    case = create_case(dpd=40, collector=collector)
    client = client_for(collector)
    url = reverse("admin:cases_forbearanceassessment_add")
    form = {
        "case": case.pk,
        "circumstances": "Reduced hours at work since October.",
        "options_offered": ["term_extension", "payment_holiday"],
        "answer": "accepted",
        "accepted_option": "reduced_rate",
        "note": "",
    }
    refused = client.post(url, form)
    assert refused.status_code == 200 and not ForbearanceAssessment.objects.exists()
    assert "accepted_option" in refused.context["adminform"].form.errors
    form["accepted_option"] = "term_extension"
    assert client.post(url, form).status_code == 302
    (stored,) = ForbearanceAssessment.objects.all()
    assert stored.options_offered == ["term_extension", "payment_holiday"] and stored.assessed_by == collector


# --- debt advice (EU CCD2 art. 36) --------------------------------------------------------------


def test_an_eu_assessment_offering_debt_advice_queues_the_shipped_referral(db, collector):
    case = create_case(dpd=40, profile="EU-CCD2", collector=collector)
    assess(case, collector, debt_advice_offered=True)
    (queued,) = OutboundMessage.objects.filter(case=case)
    assert queued.template.code == "sms-debt-advice" and queued.template.is_approved  # the borrower reads Chinese
    assert queued.state == OutboundMessage.State.SCHEDULED


def test_no_referral_without_the_offer_or_outside_eu_ccd2(db, collector):
    eu = create_case(dpd=40, profile="EU-CCD2", collector=collector)
    assess(eu, collector, debt_advice_offered=False)
    uk = create_case(dpd=40, profile="UK-FCA", collector=collector)
    assess(uk, collector, debt_advice_offered=True)
    assert not OutboundMessage.objects.exists()


@pytest.mark.django_db
def test_the_referral_templates_ship_in_both_languages():
    shipped = {t.language: t for t in MessageTemplate.objects.filter(code__startswith="sms-debt-advice")}
    assert set(shipped) == {"zh-hans", "en"} and all(t.is_approved for t in shipped.values())
    assert not any(t.mentions_legal_action for t in shipped.values())
