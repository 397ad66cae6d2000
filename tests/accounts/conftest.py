import pytest


@pytest.fixture(autouse=True)
def site_urls(settings):
    # Some test folders swap the URLconf; these tests want the site's own.
    settings.ROOT_URLCONF = "collections_site.urls"
