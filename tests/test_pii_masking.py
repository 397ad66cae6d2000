"""Personal data by role: national ID, phone and address in full only for roles with the
"view full" permissions — or, for a visit address, the people who need it to do the
visit — and only on a single record's page, which leaves a row on the access log. Lists
show many people at once, so they mask for every role."""

from django.test import Client
from django.urls import reverse
import pytest

from audit.models import AccessLog
from core.masking import mask_national_id, mask_phone, mask_text
from tests.clients import sign_in
from tests.permission_world import ACTORS, build_world

ADDRESS = "上海市黄浦区人民路1号"
# Who sees what in full (cases/roles.py): national ID S, R; phone and address C, F, S, R.
FULL_ID = {"S", "R"}
FULL_CONTACT = {"C", "F", "S", "R"}
STAFF = [actor for actor in ACTORS if actor not in ("anon", "Cx", "Fx")]

# (url name, world object for its argument, who may open it) — each page shows the
# national ID, the phone number or the address.
PAGES = [
    ("admin:cases_borrower_change", "borrower", {"C", "F", "S", "R", "A"}),
    ("admin:cases_contactpoint_change", "phone", {"C", "F", "S", "R", "A"}),
    ("admin:cases_contactpoint_change", "postal", {"C", "F", "S", "R", "A"}),
    # Collectors and field agents are sent from the admin's case page to the case desk.
    ("admin:cases_collectioncase_change", "case", {"S", "R", "A"}),
    ("desk:case", "case", {"C", "F", "S", "R", "A"}),
    ("admin:visits_fieldvisit_change", "visit", {"C", "F", "S", "R", "A"}),
    ("admin:cases_borrower_changelist", None, {"C", "F", "S", "R", "A"}),
    ("admin:cases_contactpoint_changelist", None, {"C", "F", "S", "R", "A"}),
    # The case list's export shows what the case page shows, and logs it (cases/admin/export.py).
    ("admin:cases_collectioncase_export", None, {"C", "F", "S", "R", "A"}),
    ("admin:contacts_inboundmessage_change", "inbound", {"C", "S", "R", "A"}),
    ("admin:contacts_inboundmessage_changelist", None, {"C", "S", "R", "A"}),
    ("admin:contacts_consent_change", "consent", {"C", "S", "R", "A"}),
    ("admin:contacts_consentrevocation_change", "revocation", {"C", "S", "R", "A"}),
    ("visits:decide", "visit", {"S"}),
    ("visits:mine", None, {"F"}),
    ("visits:report", "live_visit", {"F"}),
    ("visits:request", "case", {"C", "S"}),
    ("compliance:dossier", "case", {"R"}),
    ("compliance:dossier_csv", "case", {"R"}),
]


def fetch(client, w, name, obj):
    response = client.get(reverse(name, args=[w[obj].pk] if obj else []))
    assert response.status_code == 200, (name, response.status_code)
    return response.getvalue().decode()


@pytest.mark.parametrize("actor", STAFF)
def test_each_role_sees_full_or_masked_values_as_its_permissions_say(db, actor):
    w = build_world()
    client = sign_in(Client(), w[actor])
    national_id, phone = w.borrower.national_id, w.phone.value
    for name, obj, allowed in PAGES:
        if actor not in allowed:
            continue
        page = fetch(client, w, name, obj)
        if actor not in FULL_ID:
            assert national_id not in page, (name, "national ID in full")
        if actor not in FULL_CONTACT:
            assert phone not in page and ADDRESS not in page, (name, "contact detail in full")
            if name == "admin:visits_fieldvisit_change":
                assert mask_text(ADDRESS) in page
    if actor not in FULL_ID:
        assert mask_national_id(national_id) in fetch(client, w, "admin:cases_borrower_change", "borrower")
    if actor not in FULL_CONTACT:
        assert mask_phone(phone) in fetch(client, w, "admin:cases_contactpoint_change", "phone")


@pytest.mark.parametrize("actor", STAFF)
def test_every_page_that_shows_a_value_in_full_is_on_the_access_log(db, actor):
    w = build_world()
    client = sign_in(Client(), w[actor])
    for name, obj, allowed in PAGES:
        if actor not in allowed or name.endswith("_changelist"):
            continue
        before = AccessLog.objects.filter(user=w[actor], borrower_id=w.borrower.pk).count()
        page = fetch(client, w, name, obj)
        shows_full = w.borrower.national_id in page or w.phone.value in page or ADDRESS in page
        logged = AccessLog.objects.filter(user=w[actor], borrower_id=w.borrower.pk).count() > before
        assert logged or not shows_full, f"{name} shows personal data in full to {actor} without logging it"


LISTS = ["admin:cases_borrower_changelist", "admin:cases_contactpoint_changelist"]


@pytest.mark.parametrize("actor", STAFF)
def test_lists_mask_personal_data_for_every_role_and_log_nothing(db, actor):
    w = build_world()
    client = sign_in(Client(), w[actor])
    before = AccessLog.objects.count()
    borrowers, points = (fetch(client, w, name, None) for name in LISTS)
    for page in (borrowers, points):
        assert w.borrower.national_id not in page and w.phone.value not in page and ADDRESS not in page
    assert mask_national_id(w.borrower.national_id) in borrowers
    assert mask_phone(w.phone.value) in points and mask_text(ADDRESS) in points
    assert AccessLog.objects.count() == before


@pytest.mark.parametrize("actor", STAFF)
def test_lists_still_find_by_the_exact_national_id_or_phone(db, actor):
    w = build_world()
    client = sign_in(Client(), w[actor])
    found = client.get(reverse("admin:cases_borrower_changelist"), {"q": w.borrower.national_id}).content.decode()
    assert reverse("admin:cases_borrower_change", args=[w.borrower.pk]) in found
    assert mask_national_id(w.borrower.national_id) in found
    found = client.get(reverse("admin:cases_contactpoint_changelist"), {"q": w.phone.value}).content.decode()
    assert reverse("admin:cases_contactpoint_change", args=[w.phone.pk]) in found
    assert reverse("admin:cases_contactpoint_change", args=[w.postal.pk]) not in found
    # a part of a national ID finds nobody (no probing of personal data)
    partial = client.get(reverse("admin:cases_borrower_changelist"), {"q": w.borrower.national_id[:10]})
    assert reverse("admin:cases_borrower_change", args=[w.borrower.pk]) not in partial.content.decode()


@pytest.mark.parametrize("actor", STAFF)
def test_the_single_page_shows_in_full_to_permitted_roles_and_logs_it(db, actor):
    w = build_world()
    client = sign_in(Client(), w[actor])
    for name, obj, full, value in [
        ("admin:cases_borrower_change", "borrower", FULL_ID, w.borrower.national_id),
        ("admin:cases_contactpoint_change", "phone", FULL_CONTACT, w.phone.value),
        ("admin:cases_contactpoint_change", "postal", FULL_CONTACT, ADDRESS),
    ]:
        before = AccessLog.objects.filter(user=w[actor], borrower_id=w.borrower.pk).count()
        page = fetch(client, w, name, obj)
        logged = AccessLog.objects.filter(user=w[actor], borrower_id=w.borrower.pk).count() - before
        if actor in full:
            assert value in page and logged == 1, (name, obj)
        else:
            assert value not in page, (name, obj)
