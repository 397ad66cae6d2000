"""The repayment-plan admin: why a plan is beyond policy, in words, on the list, the plan's
page and the case page; a supervisor rejects plans from the list, giving the reason on a
page of its own; a collector is offered neither approval nor rejection."""

from datetime import timedelta
from decimal import Decimal

from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse
from django.utils import timezone
import pytest

from cases import services
from cases.event_text import EventCode
from cases.models import CaseEvent, CaseState, RepaymentPlan
from tests.clients import client_for
from tests.factories import climb_to, create_case, make_user

URL = reverse("admin:cases_repaymentplan_changelist")
TOO_MANY = "8 instalments: more than the 6 the profile allows without a supervisor&#x27;s approval."
BELOW = "Instalment 8 (CN¥100.00) is below the smallest instalment the profile allows (CN¥250.00)."


@pytest.fixture
def proposed(db, collector) -> RepaymentPlan:
    """Agreed by the collector: 8 instalments, the last one below 5% of the 5,000 owed."""
    case = climb_to(create_case(dpd=20, collector=collector), CaseState.PHONE, by=collector)
    today = timezone.localdate()
    installments = [(today + timedelta(days=30 * n), Decimal("500")) for n in range(1, 8)]
    installments.append((today + timedelta(days=240), Decimal("100")))
    return services.agree_repayment_plan(case, installments, by=collector)


def _text(response) -> str:
    return response.content.decode()


def test_the_reasons_read_in_words_on_the_list_the_plan_and_the_case(proposed, supervisor):
    client = client_for(supervisor)
    listing = _text(client.get(URL, HTTP_ACCEPT_LANGUAGE="en"))
    page = _text(client.get(reverse("admin:cases_repaymentplan_change", args=[proposed.pk]), HTTP_ACCEPT_LANGUAGE="en"))
    case_page = _text(
        client.get(reverse("admin:cases_collectioncase_change", args=[proposed.case_id]), HTTP_ACCEPT_LANGUAGE="en")
    )
    for shown in (listing, page, case_page):
        assert TOO_MANY in shown and BELOW in shown
        assert "too_many_installments" not in shown and "installment_below_minimum" not in shown
    assert "Why beyond policy" in listing and "Why beyond policy" in page


def test_a_supervisor_rejects_from_the_list_with_a_reason_asked_on_its_own_page(proposed, supervisor):
    client = client_for(supervisor)
    asked = client.post(
        URL, {"action": "reject_selected", ACTION_CHECKBOX_NAME: [proposed.pk]}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert asked.status_code == 200
    assert "Why the plan is rejected" in _text(asked) and "the case stays where it is" in _text(asked)
    assert RepaymentPlan.objects.get(pk=proposed.pk).status == RepaymentPlan.Status.PROPOSED  # asking changes nothing
    done = client.post(
        URL,
        {
            "action": "reject_selected",
            ACTION_CHECKBOX_NAME: [proposed.pk],
            "apply": "1",
            "reason": "The borrower can pay 1,000 a month.",
        },
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )
    assert f"Plan {proposed.pk}: rejected." in _text(done)
    plan = RepaymentPlan.objects.get(pk=proposed.pk)
    assert (plan.status, plan.rejected_by, plan.rejection_reason) == (
        RepaymentPlan.Status.REJECTED,
        supervisor,
        "The borrower can pay 1,000 a month.",
    )
    assert plan.case.state == CaseState.PHONE
    event = CaseEvent.objects.get(case=plan.case, code=EventCode.PLAN_REJECTED)
    assert (event.actor, event.reason) == (supervisor, "The borrower can pay 1,000 a month.")


def test_a_missing_reason_is_asked_again_and_a_refusal_is_named(proposed, supervisor):
    client = client_for(supervisor)
    again = client.post(
        URL,
        {"action": "reject_selected", ACTION_CHECKBOX_NAME: [proposed.pk], "apply": "1", "reason": "   "},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert again.status_code == 200 and "This field is required." in _text(again)
    assert RepaymentPlan.objects.get(pk=proposed.pk).status == RepaymentPlan.Status.PROPOSED
    # Who agreed a plan cannot reject it: the service's refusal is shown by the plan's name.
    # (On a case of its own: a case has one plan at a time.)
    other_case = climb_to(create_case(dpd=20), CaseState.PHONE, by=supervisor)
    own = services.agree_repayment_plan(
        other_case, [(timezone.localdate() + timedelta(days=60), Decimal("500"))], by=supervisor
    )
    refused = client.post(
        URL,
        {"action": "reject_selected", ACTION_CHECKBOX_NAME: [own.pk], "apply": "1", "reason": "no"},
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )
    assert "must be rejected by someone other than who agreed it" in _text(refused)
    assert RepaymentPlan.objects.get(pk=own.pk).status == RepaymentPlan.Status.PROPOSED


def test_a_collector_is_offered_neither_approval_nor_rejection(proposed, collector):
    client = client_for(collector)
    listing = _text(client.get(URL, HTTP_ACCEPT_LANGUAGE="en"))
    assert "reject_selected" not in listing and "approve_selected" not in listing
    for action in ("reject_selected", "approve_selected"):
        client.post(
            URL,
            {"action": action, ACTION_CHECKBOX_NAME: [proposed.pk], "apply": "1", "reason": "too long"},
            HTTP_ACCEPT_LANGUAGE="en",
        )
    assert RepaymentPlan.objects.get(pk=proposed.pk).status == RepaymentPlan.Status.PROPOSED
    assert not CaseEvent.objects.filter(code__in=[EventCode.PLAN_REJECTED, EventCode.PLAN_APPROVED]).exists()


def test_the_profile_page_edits_the_plan_limits(db, administrator):
    from policy.selectors import current_profile

    profile = current_profile("CN")
    page = _text(
        client_for(administrator).get(
            reverse("admin:policy_policyprofile_change", args=[profile.pk]), HTTP_ACCEPT_LANGUAGE="en"
        )
    )
    assert 'name="plan_min_installment_percent"' in page and 'value="5.00"' in page
    assert 'name="plan_first_due_max_days"' in page
    assert "Smallest instalment (percent of the balance)" in page and "First instalment due within (days)" in page


def test_another_supervisor_approves_from_the_list(proposed):
    supervisor = make_user("Supervisor")
    client_for(supervisor).post(
        URL, {"action": "approve_selected", ACTION_CHECKBOX_NAME: [proposed.pk], "index": 0}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert RepaymentPlan.objects.get(pk=proposed.pk).status == RepaymentPlan.Status.ACTIVE
