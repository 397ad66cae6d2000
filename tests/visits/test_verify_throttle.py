"""The guess throttle of /verify/: counted per client address as the lockout reads it
(TRUSTED_PROXY_COUNT), per code across addresses, and exactly at its limit under a burst —
in the cache and, when the cache is down, in the database."""

from concurrent.futures import ThreadPoolExecutor
from urllib.error import HTTPError
from urllib.parse import urlencode
from urllib.request import urlopen

from django.core.cache import cache
from django.test import Client, override_settings
from django.urls import reverse
import pytest

from tests.clock import window
from tests.factories import eligible_case
from visits import services as visit_services
from visits.models import VerifyCounter

# A Redis nobody listens on: every cache call fails at once, so the database counts.
UNREACHABLE_CACHE = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"},
}


@pytest.fixture(autouse=True)
def fresh_throttle():
    cache.clear()
    yield
    cache.clear()


def guess(client, code: str) -> int:
    return client.post(reverse("verify"), {"code": code}).status_code


def wrong_codes(client, how_many: int) -> list[int]:
    return [guess(client, f"WRONG{n:05d}") for n in range(how_many)]


def requested_visit(collector):
    start, end = window()
    return visit_services.request_visit(
        eligible_case(collector=collector),
        by=collector,
        reason="Numbers changed.",
        window_start=start,
        window_end=end,
        address="上海市黄浦区人民路1号",
    )


def test_borrowers_behind_one_proxy_are_counted_apart(db, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.VERIFY_ATTEMPTS_PER_WINDOW = 3
    # Both come through the same reverse proxy (one REMOTE_ADDR), which names each borrower.
    first = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.5")
    second = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.6")
    assert wrong_codes(first, 4) == [200, 200, 200, 429]
    assert guess(second, "WRONG99999") == 200
    # A borrower's own forged entry on the left changes nothing: the proxy's entry counts.
    forged = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.5")
    assert guess(forged, "WRONG99998") == 429


def test_a_forwarded_header_is_ignored_without_trusted_proxies(db, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    settings.VERIFY_ATTEMPTS_PER_WINDOW = 3
    statuses = [
        guess(Client(REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}"), f"WRONG{n:05d}")
        for n in range(4)
    ]
    assert statuses == [200, 200, 200, 429]


def test_one_code_is_refused_after_its_limit_from_any_address(db, settings, collector, agents):
    settings.VERIFY_LOOKUPS_PER_CODE = 3
    visit = requested_visit(collector)
    statuses = [guess(Client(REMOTE_ADDR=f"198.51.100.{n}"), visit.verification_code) for n in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert guess(Client(REMOTE_ADDR="198.51.100.3"), visit.verification_code.lower()) == 429  # the same code
    # The address refused for that code may still check another one; it spent no guess.
    fresh = Client(REMOTE_ADDR="198.51.100.3")
    assert guess(fresh, "WRONG00001") == 200


def test_right_codes_do_not_count_against_the_address(db, settings, collector, agents):
    settings.VERIFY_ATTEMPTS_PER_WINDOW = 3
    visit = requested_visit(collector)
    client = Client()
    assert [guess(client, visit.verification_code) for _ in range(5)] == [200] * 5
    assert wrong_codes(client, 4) == [200, 200, 200, 429]


def test_with_the_cache_down_the_database_counts_both_limits(db, settings, collector, agents):
    settings.VERIFY_ATTEMPTS_PER_WINDOW = 2
    settings.VERIFY_LOOKUPS_PER_CODE = 2
    visit = requested_visit(collector)
    with override_settings(CACHES=UNREACHABLE_CACHE):
        assert wrong_codes(Client(), 3) == [200, 200, 429]
        other = [guess(Client(REMOTE_ADDR=f"198.51.100.{n}"), visit.verification_code) for n in range(3)]
        assert other == [200, 200, 429]
    # Digests only: no address and no code is written down.
    keys = list(VerifyCounter.objects.values_list("key", flat=True))
    assert keys and not any("127.0.0.1" in key or visit.verification_code in key for key in keys)


def _burst(live_server, requests: int) -> list[int]:
    def one(n: int) -> int:
        url = f"{live_server.url}{reverse('verify')}?{urlencode({'code': f'WRONG{n:05d}'})}"
        try:
            with urlopen(url, timeout=60) as response:
                return response.status
        except HTTPError as error:
            return error.code

    with ThreadPoolExecutor(max_workers=requests) as pool:
        return list(pool.map(one, range(requests)))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("store", ["cache", "database"])
def test_a_parallel_burst_gets_exactly_the_limit_through(live_server, settings, store):
    settings.VERIFY_ATTEMPTS_PER_WINDOW = 10
    caches = UNREACHABLE_CACHE if store == "database" else settings.CACHES
    with override_settings(CACHES=caches):
        statuses = _burst(live_server, 40)
    assert sorted(set(statuses)) == [200, 429] and statuses.count(200) == 10
    assert VerifyCounter.objects.exists() == (store == "database")
