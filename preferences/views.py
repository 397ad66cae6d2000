from django.utils.translation import check_for_language
from django.views.i18n import set_language as django_set_language

from .languages import save_preference


def set_language(request):
    """Django's set_language (cookie, redirect back), and for a signed-in person also their
    saved preference, so the choice follows them to another browser."""
    response = django_set_language(request)
    language = request.POST.get("language", "")
    if request.method == "POST" and request.user.is_authenticated and language and check_for_language(language):
        save_preference(request, language)
    return response
