"""Error pages in the site's look and the reader's language, each with a way back; a
refused page is one line in the log, not a traceback."""

import logging
import sys

from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils import translation
import pytest

from core.logging import NoTracebackFor4xx
from tests.clients import client_for


@pytest.mark.parametrize(
    "language, heading",
    [("zh-hans", "这里什么也没有"), ("en", "Nothing here")],
)
def test_a_missing_page_speaks_the_readers_language(db, language, heading):
    response = Client().get("/no-such-page/", HTTP_ACCEPT_LANGUAGE=language)
    page = response.content.decode()
    assert response.status_code == 404 and heading in page
    assert 'href="/admin/"' in page and "core/favicon.svg" in page


def test_a_refused_page_says_why_and_what_to_do(db, collector):
    response = client_for(collector).get(reverse("cases:import_feed"), HTTP_ACCEPT_LANGUAGE="en")
    page = response.content.decode()
    assert response.status_code == 403
    assert "Importing the loan feed needs permission to add loan accounts." in page
    assert "ask an administrator" in page


def test_a_refused_lookup_gets_the_bad_request_page(db, supervisor):
    response = client_for(supervisor).get(
        reverse("admin:cases_borrower_changelist"), {"national_id__startswith": "1"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400 and "The request could not be understood" in response.content.decode()


def test_the_server_error_page_is_translated():
    with translation.override("zh-hans"):
        page = render_to_string("500.html")
    assert "出错" in page and "Something went wrong" not in page


def test_a_refused_request_is_logged_without_its_traceback():
    try:
        raise PermissionError("no")
    except PermissionError:
        exc_info = sys.exc_info()
    refused = logging.LogRecord("django.request", logging.WARNING, __file__, 1, "Forbidden", (), exc_info)
    refused.status_code = 403
    failed = logging.LogRecord("django.request", logging.ERROR, __file__, 1, "Server error", (), exc_info)
    failed.status_code = 500
    keep = NoTracebackFor4xx()
    assert keep.filter(refused) and refused.exc_info is None
    assert keep.filter(failed) and failed.exc_info is not None


def test_the_favicon_is_served(db):
    response = Client().get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("core/favicon.svg")
