"""Personal data by role: national ID, phone and address in full only for roles with the
"view full" permissions — or, for a visit address, the people who need it to do the
visit — and every page that shows them in full leaves a row on the access log."""
from django.test import Client
from django.urls import reverse
import pytest

from cases.masking import mask_national_id, mask_phone, mask_text
from compliance.models import AccessLog
from tests.test_permission_matrix import ACTORS, build_world

from tests.conftest import sign_in

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
    ("admin:cases_collectioncase_change", "case", {"C", "F", "S", "R", "A"}),
    ("admin:visits_fieldvisit_change", "visit", {"C", "F", "S", "R", "A"}),
    ("admin:cases_borrower_changelist", None, {"C", "F", "S", "R", "A"}),
    ("admin:cases_contactpoint_changelist", None, {"C", "F", "S", "R", "A"}),
    ("contacts:log_contact", "case", {"C", "F", "S"}),
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
    return response.content.decode()


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
        before = AccessLog.objects.filter(user=w[actor], borrower=w.borrower).count()
        page = fetch(client, w, name, obj)
        shows_full = (w.borrower.national_id in page or w.phone.value in page or ADDRESS in page)
        logged = AccessLog.objects.filter(user=w[actor], borrower=w.borrower).count() > before
        assert logged or not shows_full, f"{name} shows personal data in full to {actor} without logging it"
