"""Many people logging calls at once, through the live server on PostgreSQL, as the site
is used: no 500s, no deadlocks, and the caps exact. Every post opens the log-contact page's
work (an access-log row, the borrower and case locks, the engine, the attempt and its
history) while the others do the same on the same borrower."""

from concurrent.futures import ThreadPoolExecutor
from http.cookies import SimpleCookie
import re
from unittest import mock
from urllib.error import HTTPError
from urllib.parse import urlencode
from urllib.request import HTTPRedirectHandler, Request, build_opener

from django.conf import settings
from django.test import Client
from django.urls import reverse
import pytest

from audit.ledger import seal_pending
from audit.verify import verify_chain
from cases.models import CollectionCase
from contacts.models import ContactAttempt
from policy.codes import Channel, Outcome
from policy.selectors import current_profile
from tests.clients import sign_in
from tests.clock import SHANGHAI, local
from tests.factories import phone_case

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

TEN_AM = local(SHANGHAI, day_offset=3, hour=10)


class _NoRedirects(HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _session_for(user) -> str:
    client = sign_in(Client(), user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def _poster(live_server, session: str, case):
    """A signed-in browser: reads the form once for its CSRF token, then posts."""
    opener = build_opener(_NoRedirects)
    url = f"{live_server.url}{reverse('contacts:log_contact', args=[case.pk])}"
    cookie = f"{settings.SESSION_COOKIE_NAME}={session}"
    with opener.open(Request(url, headers={"Cookie": cookie})) as page:
        body = page.read().decode()
        jar = SimpleCookie()
        for header in page.headers.get_all("Set-Cookie") or []:
            jar.load(header)
        csrf_cookie = jar[settings.CSRF_COOKIE_NAME].value
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1)
    cookie += f"; {settings.CSRF_COOKIE_NAME}={csrf_cookie}"

    def post(point_pk) -> int:
        data = urlencode(
            {
                "csrfmiddlewaretoken": token,
                "channel": Channel.PHONE_CALL,
                "contact_point": point_pk,
                "outcome": Outcome.NO_ANSWER,
                "save": "1",
            }
        ).encode()
        request = Request(url, data=data, headers={"Cookie": cookie, "Referer": url})
        try:
            with opener.open(request, timeout=60) as response:
                return response.status
        except HTTPError as error:
            return error.code

    return post


@pytest.mark.parametrize("posts", [20, 50])
def test_parallel_call_logs_on_one_case_never_fail_and_keep_the_cap_exact(live_server, collector, posts):
    case = phone_case(phones=("+8613800000001",))
    CollectionCase.objects.filter(pk=case.pk).update(assigned_collector=collector)
    cap = current_profile("CN").unanswered_calls_per_number_per_day
    with mock.patch("django.utils.timezone.now", return_value=TEN_AM):
        post = _poster(live_server, _session_for(collector), case)
        with ThreadPoolExecutor(max_workers=posts) as pool:
            statuses = list(pool.map(lambda _: post(case.points[0].pk), range(posts)))
    # Saved: a redirect back to the case; refused by the cap: the form again, with the refusal.
    assert sorted(set(statuses)) == [200, 302] and statuses.count(302) == cap
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
    CollectionCase.objects.filter(pk__in=[case.pk, second.pk]).update(assigned_collector=collector)
    cap = current_profile("CN").unanswered_calls_per_number_per_day
    with mock.patch("django.utils.timezone.now", return_value=TEN_AM):
        session = _session_for(collector)
        posts = [_poster(live_server, session, c) for c in (case, CollectionCase.objects.get(pk=second.pk))]
        with ThreadPoolExecutor(max_workers=20) as pool:
            statuses = list(pool.map(lambda i: posts[i % 2](point.pk), range(20)))
    assert 500 not in statuses and statuses.count(302) == cap
    allowed = ContactAttempt.objects.filter(borrower_id=case.account.borrower_id, allowed=True)
    assert allowed.count() == cap
