"""Writing a policy profile: every change is a new version, never an edit in place."""

from __future__ import annotations

from audit.ledger import audited_atomic

from .models import PolicyProfile
from .selectors import clear_profile_cache


@audited_atomic
def save_profile_version(profile: PolicyProfile, *, by, note: str = "") -> PolicyProfile:
    """Store ``profile``'s edited numbers as a new version of its code.

    The row that was edited is left untouched: decisions already taken keep
    pointing at the version that judged them.
    """
    # Lock the code's versions so two administrators cannot both write version N+1.
    versions = PolicyProfile.objects.select_for_update().filter(code=profile.code)
    latest = max(versions.values_list("version", flat=True), default=0)
    try:
        profile.pk = None
        profile._state.adding = True
        profile.version = latest + 1
        profile.created_by = by
        profile.change_note = note
        profile._history_user = by
        profile._change_reason = note or f"new version {profile.version}"
        profile.save()
    finally:
        # ``profile`` may be the process's cached current version, edited in place: the
        # cache must not keep it, whether the save succeeded or failed.
        clear_profile_cache()
    return profile
