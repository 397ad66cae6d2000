"""Many people logging calls at once, through the live server on PostgreSQL, as the site
is used: no 500s, no deadlocks, and the caps exact. Every post opens the log-contact page's
work (an access-log row, the borrower and case locks, the engine, the attempt and its
history) while the others do the same on the same borrower."""

from concurrent.futures import ThreadPoolExecutor
from unittest import mock

import pytest

from audit.ledger import seal_pending
from audit.verify import verify_chain
from cases.models import CollectionCase
from contacts.models import ContactAttempt
from policy.selectors import current_profile
from tests.clients import live_poster, session_for
from tests.clock import SHANGHAI, local
from tests.factories import phone_case

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

TEN_AM = local(SHANGHAI, day_offset=3, hour=10)


@pytest.mark.parametrize("posts", [20, 50])
def test_parallel_call_logs_on_one_case_never_fail_and_keep_the_cap_exact(live_server, collector, posts):
    case = phone_case(phones=("+8613800000001",))
    case.assigned_collector = collector
    case.save(update_fields=["assigned_collector"])  # with history, as assign_case does
    cap = current_profile("CN").unanswered_calls_per_number_per_day
    with mock.patch("django.utils.timezone.now", return_value=TEN_AM):
        post = live_poster(live_server, session_for(collector), case)
        with ThreadPoolExecutor(max_workers=posts) as pool:
            statuses = list(pool.map(lambda _: post(case.points[0].pk), range(posts)))
    # Saved: a redirect back to the case; refused by the cap: the form again, with the refusal.
    assert sorted(set(statuses)) == [302, 409] and statuses.count(302) == cap
    attempts = ContactAttempt.objects.filter(case=case)
    assert attempts.count() == posts and attempts.filter(allowed=True).count() == cap
    seal_pending()
    assert verify_chain().ok


def test_parallel_call_logs_on_one_borrowers_two_cases_share_the_borrowers_cap(live_server, collector):
    case = phone_case(phones=("+8613800000002",))
    second = phone_case(phones=("+8613800000003",))
    # The same borrower owes on two loans: move the second account to the first borrower.
    second.account.borrower_id = case.account.borrower_id
    second.account.save(update_fields=["borrower"])
    point = case.points[0]
    for each in (case, CollectionCase.objects.get(pk=second.pk)):
        each.assigned_collector = collector
        each.save(update_fields=["assigned_collector"])
    cap = current_profile("CN").unanswered_calls_per_number_per_day
    with mock.patch("django.utils.timezone.now", return_value=TEN_AM):
        session = session_for(collector)
        posts = [live_poster(live_server, session, c) for c in (case, CollectionCase.objects.get(pk=second.pk))]
        with ThreadPoolExecutor(max_workers=20) as pool:
            statuses = list(pool.map(lambda i: posts[i % 2](point.pk), range(20)))
    assert set(statuses) <= {302, 409} and statuses.count(302) == cap
    allowed = ContactAttempt.objects.filter(borrower_id=case.account.borrower_id, allowed=True)
    assert allowed.count() == cap
