"""The collector's worklist: every open case in one section, in the documented order,
with counts; the engine decides phone-now against later."""

from datetime import timedelta
from decimal import Decimal
from unittest import mock

from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from cases import services as case_services
from cases.models import CaseState, CollectionCase, Hold, LoanAccount
from contacts.callbacks import schedule_callback
from desk import queue, sections
from policy.codes import Outcome, Reason
from tests.clients import client_for
from tests.clock import SHANGHAI, local
from tests.factories import past, phone_case


def mine(collector, **kwargs):
    case = phone_case(**kwargs)
    CollectionCase.objects.filter(pk=case.pk).update(assigned_collector=collector)
    case.refresh_from_db()
    return case


def at_borrower_time(hour, minute=0):
    return mock.patch("django.utils.timezone.now", return_value=local(SHANGHAI, hour=hour, minute=minute))


def loans(rows):
    return [row.case.account.loan_number for row in rows]


def test_each_case_lands_in_exactly_one_section(db, collector, supervisor):
    phone = mine(collector, dpd=40)
    held = mine(collector, dpd=50)
    case_services.place_hold(held, Hold.Kind.DISPUTE, by=supervisor, note="says it was paid")
    promised = mine(collector, dpd=45)
    legal = mine(collector, dpd=200)
    LoanAccount.objects.filter(pk=legal.account_id).update(days_past_due=200)
    CollectionCase.objects.filter(pk=legal.pk).update(state=CaseState.LEGAL)
    with at_borrower_time(10):
        case_services.record_promise(promised, Decimal("100"), timezone.localdate() + timedelta(days=3), by=collector)
        work = queue.work_queue(collector, section="phone_now")
        sections = {key: loans(queue.work_queue(collector, section=key).rows) for key in queue.SECTIONS}
    assert sections["phone_now"] == [phone.account.loan_number]
    assert sections["on_hold"] == [held.account.loan_number]
    assert sections["waiting"] == [promised.account.loan_number]
    # Referred to legal: never in phone-now, in later with the reason.
    assert sections["later"] == [legal.account.loan_number]
    assert work.counts == {"phone_now": 1, "on_hold": 1, "waiting": 1, "later": 1}


def test_phone_now_is_ordered_by_dpd_bucket_then_balance(db, collector):
    small_old = mine(collector, dpd=95)
    big_young = mine(collector, dpd=35)
    small_young = mine(collector, dpd=40)
    LoanAccount.objects.filter(pk=big_young.account_id).update(outstanding_principal=Decimal("90000"))
    LoanAccount.objects.filter(pk=small_young.account_id).update(outstanding_principal=Decimal("10"))
    with at_borrower_time(10):
        rows = queue.work_queue(collector, section="phone_now").rows
    # 95 DPD is in a higher bucket than 35 and 40, whatever the balances; within the
    # 30–59 bucket the larger balance comes first, although 40 > 35 days.
    assert loans(rows) == [
        small_old.account.loan_number,
        big_young.account.loan_number,
        small_young.account.loan_number,
    ]


def test_refused_cases_wait_in_later_with_reason_and_time(db, collector):
    capped = mine(collector, dpd=90)
    for hour in (8, 9):
        past(capped, local(SHANGHAI, hour=hour), outcome=Outcome.RIGHT_PARTY)
    past(capped, local(SHANGHAI, hour=9, minute=30), outcome=Outcome.RIGHT_PARTY)
    with at_borrower_time(10):
        work = queue.work_queue(collector, section="later")
    (row,) = work.rows
    assert row.case == capped and not row.decision.allowed and row.decision.next_allowed_at is not None
    assert any("connected calls" in text for text in row.why_not_now)
    assert work.counts["phone_now"] == 0


def test_outside_the_borrowers_hours_nobody_is_in_phone_now(db, collector):
    mine(collector)
    with at_borrower_time(23):
        work = queue.work_queue(collector)
    assert work.counts["phone_now"] == 0 and work.counts["later"] == 1


def test_callbacks_due_come_first_by_their_time_and_promises_due_today_have_their_own_section(db, collector):
    early = mine(collector, dpd=40)
    late = mine(collector, dpd=90)
    promised = mine(collector, dpd=40)
    ten, half_past_ten = local(SHANGHAI, hour=10), local(SHANGHAI, hour=10, minute=30)
    with at_borrower_time(9):
        schedule_callback(late, half_past_ten, by=collector)
        schedule_callback(early, ten, by=collector)
        case_services.record_promise(promised, Decimal("50"), timezone.localdate(), by=collector)
        waiting = queue.work_queue(collector, section="waiting")
    assert set(loans(waiting.rows)) == {early.account.loan_number, late.account.loan_number}
    with at_borrower_time(11):
        work = queue.work_queue(collector, section="callbacks_due")
        due_today = queue.work_queue(collector, section="promises_due")
    assert loans(work.rows) == [early.account.loan_number, late.account.loan_number]
    assert work.rows[0].callback is not None
    assert loans(due_today.rows) == [promised.account.loan_number]
    assert work.counts["callbacks_due"] == 2 and work.counts["promises_due"] == 1


def test_filters_narrow_every_section(db, collector):
    cn = mine(collector, dpd=40)
    us = mine(collector, dpd=40, profile="US-REGF", zone="Asia/Shanghai", phones=("+12125550123",))
    with at_borrower_time(10):
        only_cn = queue.work_queue(collector, filters={"profile": "CN"})
        only_high_bucket = queue.work_queue(collector, filters={"bucket": "4"})
    assert loans(only_cn.rows) == [cn.account.loan_number] and us.account.loan_number not in loans(only_cn.rows)
    assert only_high_bucket.rows == []


def test_pages_hold_page_size_rows(db, collector, monkeypatch):
    monkeypatch.setattr(queue, "PAGE_SIZE", 2)
    cases = [mine(collector, dpd=40 + n) for n in range(5)]
    for n, case in enumerate(cases):
        LoanAccount.objects.filter(pk=case.account_id).update(outstanding_principal=Decimal(1000 + n))
    with at_borrower_time(10):
        first = queue.work_queue(collector, page=1)
        last = queue.work_queue(collector, page=3)
    assert first.pages == 3 and len(first.rows) == 2 and len(last.rows) == 1
    assert loans(first.rows) == [cases[4].account.loan_number, cases[3].account.loan_number]


def test_the_engine_scan_stops_and_says_at_least(db, collector, monkeypatch):
    monkeypatch.setattr(queue, "SCAN_BATCH", 2)
    monkeypatch.setattr(queue, "SCAN_LIMIT", 2)
    monkeypatch.setattr(queue, "PAGE_SIZE", 1)
    for n in range(4):
        mine(collector, dpd=40 + n)
    with at_borrower_time(10):
        work = queue.work_queue(collector)
    assert work.counts["phone_now"] == 2 and "phone_now" in work.at_least


def test_next_case_skips_the_one_just_worked(db, collector):
    first = mine(collector, dpd=90)
    second = mine(collector, dpd=40)
    with at_borrower_time(10):
        assert queue.next_case_after(collector, first.pk) == second.pk
        assert queue.next_case_after(collector, second.pk) == first.pk
        # Called today: a pass through the queue reaches each borrower once.
        past(first, timezone.now() - timedelta(minutes=5))
        assert queue.next_case_after(collector, second.pk) is None
        phone_now = queue.work_queue(collector).rows
    # Called today, the more overdue case goes to the end of phone-now.
    assert loans(phone_now) == [second.account.loan_number, first.account.loan_number]


def test_queue_page_query_count_does_not_grow_with_the_queue(db, collector, django_assert_max_num_queries):
    client = client_for(collector)
    mine(collector)
    url = reverse("desk:queue")
    with at_borrower_time(10):
        client.get(url)
        # Issue 21: at most 15 statements, the session, sign-in and header's included.
        with django_assert_max_num_queries(15) as few:
            client.get(url)
        for n in range(30):
            case = mine(collector, dpd=30 + n)
            past(case, local(SHANGHAI, hour=9))
        with django_assert_max_num_queries(len(few.captured_queries)):
            page = client.get(url).content.decode()
    assert page.count('<td><a href="/desk/cases/') == queue.PAGE_SIZE
    assert 'data-section="phone_now"' in page


def test_queue_search_finds_by_surname_and_partial_loan_number(db, collector, other_collector):
    case = mine(collector)
    case.account.borrower.full_name = "Alice Thomas"
    case.account.borrower.save()
    theirs = mine(other_collector)
    client = client_for(collector)
    by_name = client.get(reverse("desk:queue"), {"q": "thomas"}).content.decode()
    by_number = client.get(reverse("desk:queue"), {"q": case.account.loan_number[-4:]}).content.decode()
    assert case.account.loan_number in by_name and case.account.loan_number in by_number
    assert theirs.account.loan_number not in by_number


def test_queue_is_for_collectors_only(db, reviewer, field_agent):
    assert client_for(reviewer).get(reverse("desk:queue")).status_code == 403
    assert client_for(field_agent).get(reverse("desk:queue")).status_code == 403


def test_cases_on_the_reminder_rung_wait_in_later_with_the_engines_reason(db, collector):
    case = mine(collector, rung=CaseState.REMINDER)
    with at_borrower_time(10):
        later = queue.work_queue(collector, section="later")
    assert loans(later.rows) == [case.account.loan_number]
    # Decided in SQL (the ladder rules a call out), yet the row says why in the engine's words.
    (row,) = later.rows
    assert row.decision is not None and Reason.STAGE_NOT_REACHED in row.decision.reasons
    assert row.why_not_now and later.counts == {"phone_now": 0, "later": 1}


def test_the_pool_is_exactly_the_cases_in_no_sql_section(db, collector, supervisor):
    """``to_phone`` negates the sections' own conditions: it must agree with the section
    the CASE expression gives every case, whatever mix of states and arrangements."""
    plain = mine(collector, dpd=40)
    mine(collector, rung=CaseState.REMINDER)
    held = mine(collector, dpd=50)
    case_services.place_hold(held, Hold.Kind.DISPUTE, by=supervisor, note="says it was paid")
    promised = mine(collector, dpd=45)
    called_back = mine(collector, dpd=60)
    legal = mine(collector, dpd=200)
    CollectionCase.objects.filter(pk=legal.pk).update(state=CaseState.LEGAL)
    with at_borrower_time(10):
        case_services.record_promise(promised, Decimal("100"), timezone.localdate() + timedelta(days=3), by=collector)
        schedule_callback(called_back, local(SHANGHAI, hour=15), by=collector)
        cases = sections.cases_of(collector, {})
        by_case = sections.annotate_sections(cases, timezone.now())
        expected = {c.pk for c in by_case if c.section == "to_phone"}
        assert set(sections.to_phone(cases, timezone.now()).values_list("pk", flat=True)) == expected == {plain.pk}


def test_a_page_of_phone_now_judges_a_few_dozen_cases_not_the_whole_batch(db, collector, monkeypatch):
    for n in range(60):
        mine(collector, dpd=30 + n)
    judged = []
    real_judge = queue._judge
    monkeypatch.setattr(queue, "_judge", lambda cases, at: judged.append(len(cases)) or real_judge(cases, at))
    with at_borrower_time(10):
        work = queue.work_queue(collector)
    # Twice the page: every one of them may be phoned, so one batch of 50 fills the page.
    assert judged == [2 * queue.PAGE_SIZE]
    assert len(work.rows) == queue.PAGE_SIZE and work.counts["phone_now"] == 50 and "phone_now" in work.at_least


def test_sections_are_decided_from_sets_the_database_builds_once(db, collector):
    """The shape the million-case benchmark relies on: each section test is membership of
    an uncorrelated set (``id IN (SELECT …)``, hashed once by PostgreSQL), never an EXISTS
    evaluated per case, both for the counts and for the pool the engine judges."""
    mine(collector)
    at = timezone.now()
    cases = sections.cases_of(collector, {})
    counting = str(sections.annotate_sections(cases, at).values("section").annotate(n=Count("pk")).query)
    pool = str(sections.to_phone(cases, at).values("pk").query)
    for sql in (counting, pool):
        assert "EXISTS" not in sql.upper()
        assert sql.count('"cases_collectioncase"."id" IN (SELECT') == 6
