"""
Page latency on the book: the admin's case list (default ordering, a filter, a search by
loan number, a search by phone) and case page as a logged-in supervisor (sees the whole
book), and the collector's desk (the queue's phone-now and later sections, a search, and
the case desk) as the collector the case is assigned to. Through django.test.Client;
warm-up requests first, then the timed ones.

The desk's pages are measured at 10:30 in Shanghai (where 70% of the book's borrowers
live), inside calling hours: the queue's phone-now section is whatever the engine allows
now, so at night it judges the whole scan limit and the figure would depend on the hour
the bench runs. Two queues: the bench's collector (a twelfth of the book, ~67,000 open
cases at 1M: a stress figure) and ``desk_queue_realistic``, a collector holding
``REALISTIC_QUEUE`` open cases as a real one does (made for the measurement with SQL,
and put back afterwards so that ``--reuse`` measures the same book).
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime
from datetime import time as clock_time
import time
from unittest import mock
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from django.utils import timezone

from cases.models import CaseState, CollectionCase, ContactPoint
from contacts.models import ContactAttempt

from .timing import latency_summary

WARM_UP = 2
REALISTIC_QUEUE = 2_000  # open cases: a real collector holds a few hundred to ~2,000
DESK_ZONE, DESK_HOUR = ZoneInfo("Asia/Shanghai"), clock_time(10, 30)


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


def _measure_page(name, path, client, case, requests, progress) -> dict:
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
        "slowest_query_ms": round(max((float(q["time"]) for q in queries.captured_queries), default=0) * 1000, 1),
    }
    if "search" in name:
        # Whether the searched-for case is on the result page.
        page["finds_case"] = f">{case.account.loan_number}<" in response.content.decode()
    return page


@contextmanager
def _desk_hours():
    """'Now' is today's DESK_HOUR in DESK_ZONE for the desk's pages (see the docstring)."""
    today = timezone.now().astimezone(DESK_ZONE).date()
    with mock.patch("django.utils.timezone.now", return_value=datetime.combine(today, DESK_HOUR, tzinfo=DESK_ZONE)):
        yield


def _open_cases(collector):
    return CollectionCase.objects.filter(assigned_collector=collector).exclude(
        state__in=[CaseState.RESOLVED, CaseState.WRITTEN_OFF]
    )


def _realistic_queue(stress_collector, requests: int, progress) -> dict:
    """The queue of a collector holding REALISTIC_QUEUE open cases: another bench collector
    whose other open cases are unassigned with SQL for the measurement and given back."""
    collector = (
        get_user_model()
        .objects.filter(username__startswith="bench-collector")
        .exclude(pk=stress_collector.pk)
        .order_by("-username")
        .first()
    )
    kept = list(_open_cases(collector).order_by("pk").values_list("pk", flat=True)[:REALISTIC_QUEUE])
    table = CollectionCase._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET assigned_collector_id = NULL WHERE assigned_collector_id = %s "
            f"AND NOT (id = ANY(%s::bigint[])) RETURNING id",
            [collector.pk, kept],
        )
        moved = [row[0] for row in cursor.fetchall()]
    try:
        client = _signed_in(collector)
        page = _measure_page("desk_queue_realistic", reverse("desk:queue"), client, None, requests, progress)
        page["collectors_open_cases"] = _open_cases(collector).count()
    finally:
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET assigned_collector_id = %s WHERE id = ANY(%s::bigint[])", [collector.pk, moved]
            )
    page["cases_set_aside_and_restored"] = len(moved)
    return page


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
    pages = [(name, path, supervisor_client) for name, path in _pages(case, phone).items()]
    results = {}
    # The test client speaks plain http: no https redirect or Secure-only cookies here.
    with override_settings(
        ALLOWED_HOSTS=["testserver", "localhost", "127.0.0.1"],
        SECURE_SSL_REDIRECT=False,
        SESSION_COOKIE_SECURE=False,
        CSRF_COOKIE_SECURE=False,
    ):
        for name, path, client in pages:
            results[name] = _measure_page(name, path, client, case, requests, progress)
        if case.assigned_collector_id:
            with _desk_hours():
                collector_client = _signed_in(case.assigned_collector)
                for name, path in _desk_pages(case).items():
                    results[name] = _measure_page(name, path, collector_client, case, requests, progress)
                results["desk_queue_realistic"] = _realistic_queue(case.assigned_collector, requests, progress)
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
