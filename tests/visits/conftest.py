from django.core.cache import cache
import pytest


@pytest.fixture(autouse=True)
def clear_verify_throttle():
    cache.delete("verify-attempts:127.0.0.1")
    yield
    cache.delete("verify-attempts:127.0.0.1")
