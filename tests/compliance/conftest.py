"""The compliance workspace's tests run against its own URL table."""

import pytest


@pytest.fixture(autouse=True)
def compliance_urls(settings):
    settings.ROOT_URLCONF = "tests.compliance.urls"
