from django.core.cache import cache
import pytest


@pytest.fixture(autouse=True)
def clear_verify_throttle():
    """The /verify/ counters of one test (per address and per code) never reach the next."""
    cache.clear()
    yield
    cache.clear()
