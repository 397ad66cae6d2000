"""Finding cases as staff type them, each kind of term on its own index, and admin
pagination that does not count a million rows per page view."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
import pytest

from cases.models import Borrower, CollectionCase, ContactPoint, LoanAccount
from cases.search import as_phone, search_cases
from core import paginators
from tests.clients import sign_in
from tests.factories import create_case


@pytest.fixture
def book(db, collector, other_collector):
    mine = create_case(collector=collector)
    theirs = create_case(collector=other_collector)
    Borrower.objects.filter(pk=mine.account.borrower_id).update(full_name="王芳", national_id="110101199003071234")
    Borrower.objects.filter(pk=theirs.account.borrower_id).update(full_name="Wang Fang Smith")
    ContactPoint.objects.filter(borrower_id=theirs.account.borrower_id).update(value="+8613912345678")
    return mine, theirs


def found(term, cases=None):
    return set(search_cases(cases if cases is not None else CollectionCase.objects.all(), term))


def test_a_loan_number_finds_its_case_only(book):
    mine, theirs = book
    assert found(mine.account.loan_number) == {mine}
    assert found(f"  {theirs.account.loan_number} ") == {theirs}


@pytest.mark.parametrize("typed", ["+8613912345678", "13912345678", "139 1234 5678", "+86 139-1234-5678"])
def test_a_phone_number_in_any_common_format_finds_its_borrower(book, typed):
    assert as_phone(typed) == "+8613912345678"
    assert found(typed) == {book[1]}


def test_a_national_id_and_any_part_of_a_name_find_the_borrower(book):
    mine, theirs = book
    assert found("110101199003071234") == {mine}
    assert found("王") == {mine}
    assert found("wang fang") == {theirs}  # typed in lower case, stored capitalised
    assert found("Smith") == {theirs}  # a surname in any position
    assert found("fang smi") == {theirs}
    assert found("Fa") == set()  # under three characters: the start of a name only
    assert found("nobody like this") == set()


def test_part_of_a_loan_number_finds_its_cases(book):
    mine, theirs = book
    LoanAccount.objects.filter(pk=mine.account_id).update(loan_number="DEMO-000061")
    LoanAccount.objects.filter(pk=theirs.account_id).update(loan_number="DEMO-000062")
    assert found("DEMO-00006") == {mine, theirs}
    assert found("demo-000062") == {theirs}
    assert found("000061") == {mine}
    assert found("   ") == {mine, theirs}  # an empty search is no filter


def test_search_stays_within_what_the_user_may_see(book, collector):
    from cases.selectors import visible_cases

    mine, theirs = book
    assert found(theirs.account.loan_number, visible_cases(collector)) == set()
    assert found("13912345678", visible_cases(collector)) == set()
    assert found(mine.account.loan_number, visible_cases(collector)) == {mine}


def test_admin_case_search_uses_the_same_rules(book, client, supervisor):
    sign_in(client, supervisor)
    url = reverse("admin:cases_collectioncase_changelist")
    page = client.get(url, {"q": "139 1234 5678"}).content.decode()
    assert f">{book[1].account.loan_number}<" in page and f">{book[0].account.loan_number}<" not in page


@pytest.mark.postgres
def test_an_unfiltered_big_list_is_counted_by_the_planners_estimate(book, monkeypatch, client, supervisor):
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE cases_collectioncase")
    monkeypatch.setattr(paginators, "ESTIMATE_ABOVE_ROWS", 0)  # as if the table were big
    sign_in(client, supervisor)
    url = reverse("admin:cases_collectioncase_changelist")
    with CaptureQueriesContext(connection) as unfiltered:
        assert client.get(url).status_code == 200
    assert not [q for q in unfiltered.captured_queries if "COUNT(*)" in q["sql"] and "cases_collectioncase" in q["sql"]]
    assert any("reltuples" in q["sql"] for q in unfiltered.captured_queries)
    with CaptureQueriesContext(connection) as filtered:
        assert client.get(url, {"state__exact": "new"}).status_code == 200
    assert any("COUNT(*)" in q["sql"] for q in filtered.captured_queries)  # a filtered list is counted exactly


@pytest.mark.postgres
def test_parts_of_names_and_loan_numbers_are_found_on_trigram_indexes(book):
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE indexdef LIKE '%%gin_trgm_ops%%'")
        assert {row[0] for row in cursor.fetchall()} >= {"borrower_name_trigram", "account_loan_number_trigram"}
        cursor.execute("SET enable_seqscan = off")  # a two-row table would be scanned anyway
        plan = search_cases(CollectionCase.objects.all(), "Smith").explain()
        cursor.execute("SET enable_seqscan = on")
    assert "borrower_name_trigram" in plan


@pytest.fixture
def long_list(db, collector):
    """Twelve cases on two rungs with distinct days past due, in no particular order."""
    cases = []
    for number, dpd in enumerate([40, 12, 75, 12, 3, 60, 21, 90, 12, 33, 50, 8]):
        case = create_case(collector=collector)
        LoanAccount.objects.filter(pk=case.account_id).update(days_past_due=dpd)
        CollectionCase.objects.filter(pk=case.pk).update(state="phone" if number % 3 else "reminder")
        cases.append(case)
    return cases


def test_a_page_read_by_its_keys_first_holds_the_same_rows_in_the_same_order(long_list):
    ordered = CollectionCase.objects.select_related("account__borrower").order_by("-account__days_past_due", "id")
    for queryset in (ordered, ordered.filter(state="phone")):
        pages = paginators.DeferredJoinPaginator(queryset, 3)
        read = [case.pk for number in pages.page_range for case in pages.page(number).object_list]
        assert read == list(queryset.values_list("pk", flat=True))
    with CaptureQueriesContext(connection) as page_queries:
        page = paginators.DeferredJoinPaginator(ordered.filter(state="phone"), 3).page(2)
        assert [case.account.borrower.full_name for case in page.object_list]  # joined, not fetched one by one
    # The count, the page's keys, the page's rows: nothing per row.
    assert len(page_queries.captured_queries) == 3


def test_the_case_list_filtered_by_state_is_in_days_past_due_order(long_list, client, supervisor):
    sign_in(client, supervisor)
    page = client.get(reverse("admin:cases_collectioncase_changelist"), {"state__exact": "phone"}).content.decode()
    phone = sorted((c for c in long_list if CollectionCase.objects.get(pk=c.pk).state == "phone"), key=_by_dpd)
    positions = [page.index(f">{case.account.loan_number}<") for case in phone]
    assert positions == sorted(positions)
    assert not any(f">{c.account.loan_number}<" in page for c in long_list if c not in phone)


def _by_dpd(case):
    return (-LoanAccount.objects.get(pk=case.account_id).days_past_due, case.pk)


@pytest.mark.postgres
def test_the_filtered_case_list_reads_its_keys_without_hash_joins_and_puts_the_setting_back(
    long_list, client, supervisor, monkeypatch
):
    """The planner would hash-join the whole accounts table; the page's keys are read
    with hash joins off (a merge join on the two indexes), and only that query: inside the
    request's transaction the setting is put back at once."""
    seen = []

    def observe(execute, sql, params, many, context):
        if 'AS "pk"' in sql and '"days_past_due" +' in sql:
            with context["connection"].connection.cursor() as raw:
                raw.execute("SHOW enable_hashjoin")
                seen.append(raw.fetchone()[0])
        return execute(sql, params, many, context)

    from django.contrib import admin

    monkeypatch.setattr(admin.site._registry[CollectionCase], "list_per_page", 3)  # more than one page
    sign_in(client, supervisor)
    url = reverse("admin:cases_collectioncase_changelist")
    with connection.execute_wrapper(observe):
        assert client.get(url, {"state__exact": "phone"}).status_code == 200
    assert seen == ["off"]
    with connection.cursor() as cursor:
        cursor.execute("SHOW enable_hashjoin")
        assert cursor.fetchone()[0] == "on"
