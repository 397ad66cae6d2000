from django.conf import settings

SESSION_KEY = "staff_language"
SUPPORTED = {code for code, _name in settings.LANGUAGES}


def preferred_language(user) -> str:
    """The user's saved interface language, or "" when they chose none."""
    from .models import StaffProfile

    language = StaffProfile.objects.filter(user=user).values_list("language", flat=True).first() or ""
    return language if language in SUPPORTED else ""


def save_preference(request, language: str) -> None:
    from .models import StaffProfile

    if language not in SUPPORTED:
        return
    StaffProfile.objects.update_or_create(user=request.user, defaults={"language": language})
    request.session[SESSION_KEY] = language
