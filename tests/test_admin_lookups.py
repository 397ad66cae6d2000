"""Admin lists filter by their own sidebar filters only: no URL lookup can probe a masked
value (a prefix, a pattern, a range), for any role on any list; an exact search by
identifier is logged; and no query string at all makes a list fail."""

from django.contrib import admin
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
import pytest

from audit.models import AccessLog
from core.admin_lookups import allowed_filter_parameters
from tests.clients import sign_in
from tests.factories import create_case, make_user

ROLES = ["Collector", "Field agent", "Supervisor", "Compliance reviewer", "Administrator"]

# Every list where a masked value (national ID, phone, e-mail, address, a borrower's
# visit code) sits on the row or one join away: (changelist, lookup path to that value).
MASKED_PATHS = [
    ("admin:cases_borrower_changelist", "national_id"),
    ("admin:cases_borrower_changelist", "contact_points__value"),
    ("admin:cases_contactpoint_changelist", "value"),
    ("admin:cases_contactpoint_changelist", "borrower__national_id"),
    ("admin:cases_loanaccount_changelist", "borrower__national_id"),
    ("admin:cases_collectioncase_changelist", "account__borrower__national_id"),
    ("admin:cases_collectioncase_changelist", "account__borrower__contact_points__value"),
    ("admin:contacts_contactattempt_changelist", "contact_point__value"),
    ("admin:contacts_contactattempt_changelist", "borrower__national_id"),
    ("admin:contacts_outboundmessage_changelist", "contact_point__value"),
    ("admin:contacts_channeloptout_changelist", "borrower__national_id"),
    ("admin:visits_fieldvisit_changelist", "verification_code"),
    ("admin:visits_fieldvisit_changelist", "address"),
    ("admin:compliance_complaint_changelist", "borrower__national_id"),
    ("admin:audit_accesslog_changelist", "borrower__national_id"),
]
PROBES = ["startswith", "istartswith", "contains", "icontains", "regex", "iregex", "gt", "lt", "gte", "endswith"]


@pytest.fixture
def book(db):
    case = create_case(dpd=40)
    borrower = case.account.borrower
    borrower.national_id = "110101199003070011"
    borrower.save()
    return case


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("url_name, path", MASKED_PATHS)
def test_no_lookup_probes_a_masked_value(book, role, url_name, path):
    client = sign_in(Client(), make_user(role))
    url = reverse(url_name)
    for probe in PROBES:
        response = client.get(url, {f"{path}__{probe}": "1"})
        if response.status_code == 302:
            # Sent to the desk's queue (collectors, field agents), the lookup left behind.
            assert response["Location"] == reverse("desk:queue"), (url_name, path, probe, response["Location"])
            continue
        # Refused as a bad request (or the list is not this role's at all): never a count.
        assert response.status_code in (400, 403, 404), (url_name, path, probe, response.status_code)
        assert b"110101" not in response.content


def test_the_lists_own_filters_still_work(book):
    client = sign_in(Client(), make_user("Supervisor"))
    cases = reverse("admin:cases_collectioncase_changelist")
    assert client.get(cases, {"state__exact": book.state}).status_code == 200
    assert client.get(cases, {"account__currency__exact": "CNY"}).status_code == 200
    holds = reverse("admin:cases_hold_changelist")
    assert client.get(holds, {"released_at__isempty": "1"}).status_code == 200
    assert client.get(cases, {"state__regex": "^ph"}).status_code == 400


def test_an_exact_search_by_identifier_is_logged(book):
    supervisor = make_user("Supervisor")
    client = sign_in(Client(), supervisor)
    borrower = book.account.borrower
    page = client.get(reverse("admin:cases_borrower_changelist"), {"q": "110101199003070011"})
    assert page.status_code == 200 and borrower.national_id_masked in page.content.decode()  # found, masked
    assert (
        AccessLog.objects.filter(user=supervisor, borrower_id=borrower.pk, where="search by national ID").count() == 1
    )
    phone = borrower.contact_points.filter(kind="phone").first()
    client.get(reverse("admin:cases_collectioncase_changelist"), {"q": phone.value})
    assert AccessLog.objects.filter(user=supervisor, borrower_id=borrower.pk, where="search by phone").exists()
    # A name search names nobody in particular: not logged.
    before = AccessLog.objects.count()
    client.get(reverse("admin:cases_borrower_changelist"), {"q": borrower.full_name[:2]})
    assert AccessLog.objects.count() == before


def test_a_collectors_exact_search_on_the_queue_is_logged(book):
    """Collectors search their cases on the desk's queue (the case list sends them there):
    a whole phone number names the person, as on the admin's lists."""
    collector = make_user("Collector")
    type(book).objects.filter(pk=book.pk).update(assigned_collector=collector)
    client = sign_in(Client(), collector)
    borrower = book.account.borrower
    phone = borrower.contact_points.filter(kind="phone").first()
    sent = client.get(reverse("admin:cases_collectioncase_changelist"), {"q": phone.value})
    page = client.get(sent["Location"])
    assert page.status_code == 200 and book.account.loan_number in page.content.decode()
    assert AccessLog.objects.filter(user=collector, borrower_id=borrower.pk, where="search by phone").count() == 1


def _registered_lists():
    return sorted(
        (model._meta.app_label, model._meta.model_name, model_admin)
        for model, model_admin in admin.site._registry.items()
    )


@hypothesis_settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    which=st.integers(min_value=0, max_value=10_000),
    field=st.one_of(st.sampled_from(["national_id", "value", "state", "id", "pk", "note", "borrower"]), st.text()),
    suffix=st.one_of(
        st.sampled_from(["", "__regex", "__startswith", "__exact", "__in", "__isnull", "__gt"]), st.text()
    ),
    value=st.text(max_size=30),
)
def test_no_query_string_makes_a_list_fail_or_disclose(book, which, field, suffix, value):
    app_label, model_name, model_admin = _registered_lists()[which % len(_registered_lists())]
    client = sign_in(Client(raise_request_exception=False), make_user("Administrator"))
    url = reverse(f"admin:{app_label}_{model_name}_changelist")
    lookup = f"{field}{suffix}"
    response = client.get(url, {lookup: value})
    assert response.status_code in (200, 302, 400, 403, 404), (url, lookup, value, response.status_code)
    request = response.wsgi_request
    ignored = {"o", "p", "q", "e", "_to_field", "_popup", "_facets", "all"}
    if response.status_code == 200 and lookup not in ignored and lookup:
        assert lookup in allowed_filter_parameters(model_admin, request), (url, lookup)
