"""The compliance workspace's tests run against its own URL table; Chinese for the
finding sentences awaiting the catalogue."""

import pytest

from tests.pending_refusal_chinese import pending_translations

__all__ = ["pending_translations"]


@pytest.fixture(autouse=True)
def compliance_urls(settings):
    settings.ROOT_URLCONF = "tests.compliance.urls"
