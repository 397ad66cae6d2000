from django.core.exceptions import ImproperlyConfigured

from .models import PolicyProfile


def current_profile(code: str) -> PolicyProfile:
    """The newest version of the profile ``code``: the one that judges new decisions."""
    profile = PolicyProfile.objects.filter(code=code).order_by("-version").first()
    if profile is None:
        raise ImproperlyConfigured(f"No policy profile {code!r}; run migrations.")
    return profile


def current_profiles_by_code() -> dict[str, PolicyProfile]:
    """Newest version of every profile, in one query (for batch jobs)."""
    latest: dict[str, PolicyProfile] = {}
    for profile in PolicyProfile.objects.order_by("code", "-version"):
        latest.setdefault(profile.code, profile)
    return latest
