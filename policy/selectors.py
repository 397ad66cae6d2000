"""The policy profiles in force: the newest version of each code."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .models import PolicyProfile

# The current profiles are read by every compliance decision and change a few times a
# year, so each process keeps them for a few seconds rather than asking the database on
# every check (check_contact is on the collectors' hot path). Saving or deleting a
# profile clears this process's copy at once (and again when the transaction commits);
# other processes (workers) see a new version within PROFILE_CACHE_SECONDS.
_profiles_cache: dict = {"loaded_at": None, "profiles": None}


def clear_profile_cache(**kwargs) -> None:
    _profiles_cache["loaded_at"] = _profiles_cache["profiles"] = None


def current_profiles_by_code() -> dict[str, PolicyProfile]:
    """Newest version of every profile (one query at most every PROFILE_CACHE_SECONDS).

    Callers must not modify the returned profiles: they are shared within the process.
    """
    loaded_at, profiles = _profiles_cache["loaded_at"], _profiles_cache["profiles"]
    clock = time.monotonic()
    if profiles is None or clock - loaded_at >= settings.PROFILE_CACHE_SECONDS:
        profiles = {}
        for profile in PolicyProfile.objects.order_by("code", "-version"):
            profiles.setdefault(profile.code, profile)
        _profiles_cache["loaded_at"], _profiles_cache["profiles"] = clock, profiles
    return profiles


def current_profile(code: str) -> PolicyProfile:
    """The newest version of the profile ``code``: the one that judges new decisions."""
    profile = current_profiles_by_code().get(code)
    if profile is None:
        raise ImproperlyConfigured(f"No policy profile {code!r}; run migrations.")
    return profile
