"""The case admin per role: who sees which rows, who may change what, history read-only."""

from datetime import timedelta
from decimal import Decimal
import re

from django.contrib import admin
from django.urls import reverse
from django.utils import timezone
import pytest

from cases import services
from cases.models import CaseEvent, CaseState, CollectionCase, Hold
from desk import queue
from tests.clients import client_for
from tests.factories import climb_to, create_case, make_user


def change_url(case):
    return reverse("admin:cases_collectioncase_change", args=[case.pk])


def desk_url(case):
    return reverse("desk:case", args=[case.pk])


HIDDEN_INPUT = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')


def post_case_form(client, case, **fields):
    """Submit the case change form as a browser would: with its hidden inputs
    (inline management forms) plus ``fields``."""
    page = client.get(change_url(case)).content.decode()
    data = {name: value for name, value in HIDDEN_INPUT.findall(page) if name != "csrfmiddlewaretoken"}
    data.update(fields)
    return client.post(change_url(case), data)


def test_collector_cannot_open_another_collectors_case(db, collector, other_collector):
    mine = create_case(collector=collector)
    theirs = create_case(collector=other_collector)
    client = client_for(collector)
    # A collector's own case page is its desk; someone else's is not found on either.
    assert client.get(change_url(mine))["Location"] == desk_url(mine)
    assert client.get(desk_url(mine)).status_code == 200
    assert client.get(change_url(theirs)).status_code == 404
    assert client.get(desk_url(theirs)).status_code == 404
    assert client.get(reverse("admin:cases_collectioncase_history", args=[theirs.pk])).status_code == 404
    # The collector's list of cases is the queue, in whichever section a case stands.
    assert client.get(reverse("admin:cases_collectioncase_changelist"))["Location"] == reverse("desk:queue")
    listing = "".join(
        client.get(reverse("desk:queue"), {"section": section}).content.decode() for section in queue.SECTIONS
    )
    assert mine.account.loan_number in listing and theirs.account.loan_number not in listing


def test_collector_cannot_reach_others_borrowers_or_accounts(db, collector, other_collector):
    theirs = create_case(collector=other_collector)
    client = client_for(collector)
    assert client.get(reverse("admin:cases_borrower_change", args=[theirs.account.borrower_id])).status_code == 404
    assert client.get(reverse("admin:cases_loanaccount_change", args=[theirs.account_id])).status_code == 404


def test_reviewer_sees_everything_and_changes_nothing(db, reviewer, collector):
    case = create_case(dpd=40, collector=collector)
    client = client_for(reviewer)
    page = client.get(change_url(case))
    assert page.status_code == 200
    assert b"_fsm_transition_to" not in page.content
    response = client.post(change_url(case), {"assigned_collector": "", "_fsm_transition_to": "start_reminders"})
    assert response.status_code == 403
    assert CollectionCase.objects.get(pk=case.pk).state == CaseState.NEW
    assert client.get(reverse("admin:cases_hold_add")).status_code == 403


def test_nobody_can_edit_or_delete_history_or_cases(db, users_by_role):
    case = create_case(dpd=40)
    services.escalate(case, by=users_by_role["Supervisor"])
    version = case.history.first()
    for role, user in users_by_role.items():
        client = client_for(user)
        assert client.get(reverse("admin:cases_collectioncase_delete", args=[case.pk])).status_code in (403, 404), role
        revert = reverse("admin:cases_collectioncase_simple_history", args=[case.pk, version.history_id])
        assert client.get(revert).status_code in (403, 404), role
        assert client.post(revert, {}).status_code in (403, 404), role
    # History models are not exposed as editable admin pages at all.
    assert CollectionCase.history.model not in admin.site._registry
    assert CollectionCase.objects.get(pk=case.pk).state == CaseState.REMINDER


def test_history_page_shows_who_and_why(db, supervisor):
    case = create_case(dpd=40)
    services.escalate(case, by=supervisor, reason="letter time")
    page = client_for(supervisor).get(reverse("admin:cases_collectioncase_history", args=[case.pk])).content.decode()
    assert supervisor.username in page and "letter time" in page


def test_button_applies_transition_through_the_service(db, supervisor, collector):
    case = create_case(dpd=10, collector=collector)
    client = client_for(supervisor)
    page = client.get(change_url(case)).content.decode()
    assert 'value="start_reminders"' in page
    response = post_case_form(client, case, _fsm_transition_to="start_reminders")
    assert response.status_code == 302
    case = CollectionCase.objects.get(pk=case.pk)
    assert case.state == CaseState.REMINDER
    event = case.events.get(kind=CaseEvent.Kind.TRANSITION)
    assert event.actor == supervisor and event.rules[0]["rule"] == "reminder_dpd_reached"


def test_the_collectors_step_on_the_desk_goes_through_the_service(db, collector):
    case = create_case(dpd=10, collector=collector)
    client = client_for(collector)
    page = client.get(desk_url(case)).content.decode()
    assert 'name="transition" value="start_reminders"' in page
    response = client.post(reverse("desk:step", args=[case.pk]), {"transition": "start_reminders", "reason": ""})
    assert response.status_code == 302 and response["Location"] == desk_url(case)
    case = CollectionCase.objects.get(pk=case.pk)
    assert case.state == CaseState.REMINDER
    event = case.events.get(kind=CaseEvent.Kind.TRANSITION)
    assert event.actor == collector and event.rules[0]["rule"] == "reminder_dpd_reached"


@pytest.mark.parametrize("reader, page", [("collector", desk_url), ("supervisor", change_url)])
def test_failed_guard_hides_the_button_and_says_why(db, request, collector, reader, page):
    case = climb_to(create_case(dpd=9, collector=collector), CaseState.PHONE, by=collector)
    html = client_for(request.getfixturevalue(reader)).get(page(case)).content.decode()
    assert 'value="escalate_to_written_notice"' not in html
    assert "Escalate to written notice" in html and "9 days past due" in html and "at least 30" in html


def test_reason_form_for_write_off(db, supervisor):
    case = create_case(dpd=400)
    client = client_for(supervisor)
    url = reverse("admin:cases_collectioncase_transition", args=[case.pk, "write_off"])
    short = client.post(url, {"reason": "no"})
    assert short.status_code == 200 and b"reason" in short.content
    assert CollectionCase.objects.get(pk=case.pk).state == CaseState.NEW
    client.post(url, {"reason": "Borrower deceased; estate closed without assets."})
    case = CollectionCase.objects.get(pk=case.pk)
    assert case.state == CaseState.WRITTEN_OFF
    assert case.events.get(to_state=CaseState.WRITTEN_OFF).reason.startswith("Borrower deceased")


def test_collector_cannot_use_a_supervisor_transition_url(db, collector):
    case = create_case(dpd=400, collector=collector)
    url = reverse("admin:cases_collectioncase_transition", args=[case.pk, "write_off"])
    client_for(collector).post(url, {"reason": "I want to write this off now"})
    assert CollectionCase.objects.get(pk=case.pk).state == CaseState.NEW


def test_supervisor_assigns_through_the_service(db, supervisor, collector, other_collector):
    case = create_case(collector=collector)
    client = client_for(supervisor)
    response = post_case_form(client, case, assigned_collector=other_collector.pk, _save="Save")
    assert response.status_code == 302
    case = CollectionCase.objects.get(pk=case.pk)
    assert case.assigned_collector == other_collector
    assert case.events.get(kind=CaseEvent.Kind.ASSIGNMENT).actor == supervisor


def test_collector_cannot_reassign(db, collector, other_collector):
    case = create_case(collector=collector)
    post_case_form(client_for(collector), case, assigned_collector=other_collector.pk, _save="Save")
    assert CollectionCase.objects.get(pk=case.pk).assigned_collector == collector


def test_hold_add_page_shows_service_refusal_on_the_form(db, collector):
    case = create_case(collector=collector)
    client = client_for(collector)
    response = client.post(
        reverse("admin:cases_hold_add"), {"case": case.pk, "kind": Hold.Kind.HARDSHIP, "note": "job loss"}
    )
    assert response.status_code == 200 and b"evidence file" in response.content
    assert not Hold.objects.exists()
    response = client.post(
        reverse("admin:cases_hold_add"), {"case": case.pk, "kind": Hold.Kind.DISPUTE, "note": "fees"}
    )
    assert response.status_code == 302
    assert CollectionCase.objects.get(pk=case.pk).state == CaseState.ON_HOLD


def test_national_id_and_phone_are_masked_for_roles_that_do_not_need_them(db, collector, supervisor, administrator):
    case = create_case(collector=collector)
    borrower = case.account.borrower
    url = reverse("admin:cases_borrower_change", args=[borrower.pk])
    assert borrower.national_id not in client_for(collector).get(url).content.decode()
    assert borrower.national_id_masked in client_for(collector).get(url).content.decode()
    assert borrower.national_id in client_for(supervisor).get(url).content.decode()
    phone = borrower.contact_points.get().value
    admin_page = client_for(administrator).get(change_url(case)).content.decode()
    assert phone not in admin_page and borrower.national_id not in admin_page
    admins_desk = client_for(administrator).get(desk_url(case)).content.decode()
    assert phone not in admins_desk and borrower.national_id not in admins_desk
    # The collector works the case on the desk: the phone in full, the national ID masked.
    desk = client_for(collector).get(desk_url(case)).content.decode()
    assert phone in desk and borrower.national_id not in desk and borrower.national_id_masked in desk


def _case_in(state, supervisor, collector):
    case = create_case(dpd=200, outstanding=Decimal("20000"), collector=collector)
    if state == CaseState.NEW:
        return case
    if state in (CaseState.REMINDER, CaseState.PHONE, CaseState.WRITTEN_NOTICE):
        return climb_to(case, state, by=supervisor)
    if state in (CaseState.FIELD_VISIT, CaseState.LEGAL):
        climb_to(case, CaseState.WRITTEN_NOTICE, by=supervisor)
        services.record_written_notice(case, sent_at=timezone.now() - timedelta(days=9), by=supervisor)
        CollectionCase.objects.filter(pk=case.pk).update(state=state, ladder_rung=state)
        return case
    climb_to(case, CaseState.PHONE, by=supervisor)
    if state == CaseState.ARRANGEMENT:
        services.record_promise(case, Decimal("100"), timezone.localdate() + timedelta(days=3), by=supervisor)
    elif state == CaseState.ON_HOLD:
        services.place_hold(case, Hold.Kind.DISPUTE, by=supervisor)
    elif state == CaseState.RESOLVED:
        services.record_payment(case.account, case.account.outstanding_total, timezone.now(), f"R-{case.pk}")
    elif state == CaseState.WRITTEN_OFF:
        services.apply_transition(case, "write_off", by=supervisor, reason="estate without assets")
    return case


@pytest.mark.parametrize("state", CaseState.values)
def test_case_page_renders_in_every_state_with_bounded_queries(
    db, supervisor, collector, other_collector, django_assert_max_num_queries, state
):
    case = _case_in(state, supervisor, collector)
    assert CollectionCase.objects.get(pk=case.pk).state == state
    client = client_for(supervisor)
    client.get(change_url(case))  # warm the session
    with django_assert_max_num_queries(40) as short_history:
        response = client.get(change_url(case))
    assert response.status_code == 200 and case.account.loan_number in response.content.decode()
    # A longer timeline and history must not add queries.
    for turn in range(6):
        actor = make_user("Supervisor")
        CaseEvent.objects.create(case=case, kind=CaseEvent.Kind.ASSIGNMENT, actor=actor, reason=f"turn {turn}")
        if state != CaseState.RESOLVED:
            services.record_payment(case.account, Decimal("1.00"), timezone.now(), f"Q-{case.pk}-{turn}", by=actor)
        if state == CaseState.ON_HOLD:
            services.place_hold(CollectionCase.objects.get(pk=case.pk), Hold.Kind.DISPUTE, by=actor)
        if state == CaseState.ARRANGEMENT:
            services.record_promise(case, Decimal("10"), timezone.localdate() + timedelta(days=2), by=actor)
    assert CollectionCase.objects.get(pk=case.pk).state == state
    with django_assert_max_num_queries(len(short_history.captured_queries)):
        assert client.get(change_url(case)).status_code == 200


def test_case_list_query_count_does_not_grow_with_rows(db, supervisor, collector, django_assert_max_num_queries):
    create_case(collector=collector)
    client = client_for(supervisor)
    client.get(reverse("admin:cases_collectioncase_changelist"))
    with django_assert_max_num_queries(15) as one_row:
        client.get(reverse("admin:cases_collectioncase_changelist"))
    for _ in range(30):
        create_case(collector=collector)
    with django_assert_max_num_queries(len(one_row.captured_queries)):
        response = client.get(reverse("admin:cases_collectioncase_changelist"))
    assert response.status_code == 200 and response.content.decode().count("T-0") >= 31


def test_search_by_exact_loan_number(db, supervisor):
    wanted = create_case()
    other = create_case()
    page = (
        client_for(supervisor)
        .get(reverse("admin:cases_collectioncase_changelist"), {"q": wanted.account.loan_number})
        .content.decode()
    )
    assert wanted.account.loan_number in page and other.account.loan_number not in page


def test_collector_cannot_act_on_another_collectors_case_even_by_crafted_post(db, collector, other_collector):
    theirs = create_case(dpd=20, collector=other_collector)
    response = client_for(collector).post(
        reverse("admin:cases_hold_add"), {"case": theirs.pk, "kind": Hold.Kind.DISPUTE, "note": "x"}
    )
    assert response.status_code == 200 and not Hold.objects.exists()
    with pytest.raises(services.NotPermitted):
        services.place_hold(theirs, Hold.Kind.DISPUTE, by=collector)
    with pytest.raises(services.NotPermitted):
        services.escalate(theirs, by=collector)
    with pytest.raises(services.NotPermitted):
        services.record_promise(theirs, Decimal("10"), timezone.localdate(), by=collector)
    assert CollectionCase.objects.get(pk=theirs.pk).state == CaseState.NEW


def test_case_page_links_to_promise_and_hold_forms_for_that_case(db, collector, supervisor, reviewer):
    case = create_case(dpd=20, collector=collector)
    page = client_for(supervisor).get(change_url(case)).content.decode()
    assert f"/admin/cases/promisetopay/add/?case={case.pk}" in page
    assert f"/admin/cases/hold/add/?case={case.pk}" in page
    form = client_for(collector).get(f"/admin/cases/hold/add/?case={case.pk}").content.decode()
    assert f'value="{case.pk}" selected' in form
    assert "/admin/cases/hold/add/" not in client_for(reviewer).get(change_url(case)).content.decode()
    # The collector's desk has both forms in place, posting for that case.
    desk = client_for(collector).get(desk_url(case)).content.decode()
    assert f'action="{reverse("desk:promise", args=[case.pk])}"' in desk
    assert f'action="{reverse("desk:hold", args=[case.pk])}"' in desk
