from django.urls import reverse
import pytest

from policy.models import PolicyProfile
from policy.selectors import current_profile
from policy.services import save_profile_version
from tests.clients import sign_in


def test_six_profiles_ship_with_their_sources(db):
    shipped = {p.code: p for p in PolicyProfile.objects.filter(version=1)}
    assert set(shipped) == {"CN", "US-REGF", "US-MA", "UK-FCA", "US-NYC", "EU-CCD2"}
    assert "1006.14" in shipped["US-REGF"].sources and shipped["UK-FCA"].breathing_space_days == 60
    assert (shipped["CN"].retention_years, shipped["US-REGF"].retention_years) == (5, 3)


def test_an_edit_is_a_new_version_and_the_old_one_stays(db, administrator):
    profile = current_profile("CN")
    profile.phone_min_dpd = 10
    before = profile.version
    new = save_profile_version(profile, by=administrator, note="later calls")
    assert (new.version, new.phone_min_dpd, new.created_by) == (before + 1, 10, administrator)
    assert PolicyProfile.objects.get(code="CN", version=before).phone_min_dpd == 8
    assert current_profile("CN").pk == new.pk
    assert new.history.first().history_user == administrator


def test_a_failed_edit_of_the_cached_profile_does_not_linger_in_the_cache(db, administrator):
    from django.db import IntegrityError

    profile = current_profile("CN")  # the process's cached copy
    version = profile.version
    profile.phone_min_dpd = None  # not a number the column accepts
    with pytest.raises(IntegrityError):
        save_profile_version(profile, by=administrator)
    fresh = current_profile("CN")
    assert fresh is not profile and (fresh.pk, fresh.version, fresh.phone_min_dpd) == (
        PolicyProfile.objects.get(code="CN", version=version).pk,
        version,
        8,
    )


def test_admin_edit_of_a_profile_writes_a_new_version(db, administrator):
    from django.test import Client

    client = Client()
    sign_in(client, administrator)
    profile = current_profile("UK-FCA")
    url = reverse("admin:policy_policyprofile_change", args=[profile.pk])
    page = client.get(url)
    assert page.status_code == 200
    data = {
        field.name: "" if getattr(profile, field.name) is None else getattr(profile, field.name)
        for field in PolicyProfile._meta.fields
        if field.editable and field.name not in ("id", "version", "created_by", "created_at")
    }
    data = {name: ("on" if value is True else value) for name, value in data.items() if value is not False}
    data.update(breathing_space_days=90, change_note="scheme extended")
    response = client.post(url, data)
    assert response.status_code == 302
    assert current_profile("UK-FCA").breathing_space_days == 90
    assert PolicyProfile.objects.get(pk=profile.pk).breathing_space_days == 60


@pytest.mark.parametrize("role", ["Collector", "Supervisor", "Compliance reviewer"])
def test_only_administrators_edit_profiles(db, users_by_role, role):
    from django.test import Client

    client = Client()
    sign_in(client, users_by_role[role])
    profile = current_profile("CN")
    versions = PolicyProfile.objects.filter(code="CN").count()
    response = client.post(reverse("admin:policy_policyprofile_change", args=[profile.pk]), {"name": "x"})
    assert response.status_code == 403
    assert PolicyProfile.objects.filter(code="CN").count() == versions
