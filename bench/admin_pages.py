"""
Page latency on the book: the admin's case list (default ordering, a filter, a search by
loan number, a search by phone) and case page as a logged-in supervisor (sees the whole
book), and the collector's desk (the queue's phone-now and later sections, a search, and
the case desk) as the collector the case is assigned to. Through django.test.Client;
warm-up requests first, then the timed ones.
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


def _desk_pages(case: CollectionCase) -> dict[str, str]:
    queue = reverse("desk:queue")
    return {
        "desk_queue": queue,
        "desk_queue_later": f"{queue}?section=later",
        "desk_search_surname": f"{queue}?{urlencode({'q': case.account.borrower.full_name.split()[-1]})}",
        "desk_case": reverse("desk:case", args=[case.pk]),
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
        CollectionCase.objects.filter(
            state=CaseState.PHONE, account__borrower__policy_profile_code="CN", assigned_collector__isnull=False
        )
        .select_related("account__borrower", "assigned_collector")
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
    supervisor_client = _signed_in(supervisor)
    collector_client = _signed_in(case.assigned_collector)
    pages = [(name, path, supervisor_client) for name, path in _pages(case, phone).items()]
    if case.assigned_collector_id:
        pages += [(name, path, collector_client) for name, path in _desk_pages(case).items()]
    results = {}
    # The test client speaks plain http: no https redirect or Secure-only cookies here.
    with override_settings(
        ALLOWED_HOSTS=["testserver", "localhost", "127.0.0.1"],
        SECURE_SSL_REDIRECT=False,
        SESSION_COOKIE_SECURE=False,
        CSRF_COOKIE_SECURE=False,
    ):
        for name, path, client in pages:
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
            if "search" in name:
                # Whether the searched-for case is on the result page.
                page["finds_case"] = f">{case.account.loan_number}<" in response.content.decode()
            results[name] = page
    results["case_page"]["attempts_on_case"] = ContactAttempt.objects.filter(case=case).count()
    results["search_phone"]["searched_for"] = phone
    if "desk_case" in results:
        collector = case.assigned_collector
        results["desk_queue"]["collectors_open_cases"] = (
            CollectionCase.objects.filter(assigned_collector=collector)
            .exclude(state__in=["resolved", "written_off"])
            .count()
        )
        results["desk_case"]["contact_points"] = ContactPoint.objects.filter(
            borrower_id=case.account.borrower_id
        ).count()
    return results
