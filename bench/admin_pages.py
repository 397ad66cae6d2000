"""
Admin latency on the book: the case list (default ordering, a filter, a search by loan
number, a search by phone) and one case page, through django.test.Client as a logged-in
supervisor (sees the whole book). Warm-up requests first, then the timed ones.
"""

from __future__ import annotations

import time
from urllib.parse import urlencode

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse

from cases.models import CaseState, CollectionCase, ContactPoint
from contacts.models import ContactAttempt

from .timing import latency_summary

WARM_UP = 2


def _pages(case: CollectionCase, phone: str) -> dict[str, str]:
    changelist = reverse("admin:cases_collectioncase_changelist")
    return {
        "case_list": changelist,
        "case_list_filtered": f"{changelist}?{urlencode({'state__exact': CaseState.PHONE})}",
        "search_loan_number": f"{changelist}?{urlencode({'q': case.account.loan_number})}",
        "search_phone": f"{changelist}?{urlencode({'q': phone})}",
        "case_page": reverse("admin:cases_collectioncase_change", args=[case.pk]),
    }


def _signed_in(user) -> Client:
    """A client past both sign-in steps, as the site records them: the password
    (force_login), then the supervisor's TOTP device verified in the session."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = Client()
    client.force_login(user)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
        user=user, name="bench authenticator", confirmed=True
    )
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def measure(*, supervisor, requests: int, progress) -> dict:
    case = (
        CollectionCase.objects.filter(state=CaseState.PHONE, account__borrower__policy_profile_code="CN")
        .select_related("account")
        .order_by("pk")
        .first()
        or CollectionCase.objects.select_related("account").order_by("pk").first()
    )
    phone = (
        ContactPoint.objects.filter(borrower_id=case.account.borrower_id, kind="phone")
        .order_by("-is_primary", "pk")
        .values_list("value", flat=True)
        .first()
        or "+8613800000000"
    )
    client = _signed_in(supervisor)
    results = {}
    # The test client speaks plain http: no https redirect or Secure-only cookies here.
    with override_settings(
        ALLOWED_HOSTS=["testserver", "localhost", "127.0.0.1"],
        SECURE_SSL_REDIRECT=False,
        SESSION_COOKIE_SECURE=False,
        CSRF_COOKIE_SECURE=False,
    ):
        for name, path in _pages(case, phone).items():
            progress(f"admin: {name}")
            for _ in range(WARM_UP):
                client.get(path)
            durations = []
            for _ in range(requests):
                started = time.perf_counter()
                response = client.get(path)
                durations.append(time.perf_counter() - started)
            with CaptureQueriesContext(connection) as queries:
                response = client.get(path)
            page = {
                "path": path,
                "status": response.status_code,
                **latency_summary(durations, points=(0.5, 0.95)),
                "queries": len(queries.captured_queries),
                "slowest_query_ms": round(
                    max((float(q["time"]) for q in queries.captured_queries), default=0) * 1000, 1
                ),
            }
            if name.startswith("search"):
                # Whether the searched-for case is on the result page.
                page["finds_case"] = f">{case.account.loan_number}<" in response.content.decode()
            results[name] = page
    results["case_page"]["attempts_on_case"] = ContactAttempt.objects.filter(case=case).count()
    results["search_phone"]["searched_for"] = phone
    return results
