"""Applies a signed-in person's language preference (after LocaleMiddleware, which only
knows the cookie and the browser's Accept-Language)."""

from django.utils import translation

from .languages import SESSION_KEY, preferred_language


class StaffLanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            language = request.session.get(SESSION_KEY)
            if language is None:  # looked up once per session, then kept in it
                language = preferred_language(user)
                request.session[SESSION_KEY] = language
            if language:
                translation.activate(language)
                request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)
