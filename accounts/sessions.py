"""Idle expiry without a session write on every request.

Saving the session on every request (SESSION_SAVE_EVERY_REQUEST) costs three statements
per page view (begin, update, commit). A signed-in session is instead re-saved, and so
kept alive for another SESSION_COOKIE_AGE, when it was last saved more than
SESSION_TOUCH_SECONDS ago: a session still ends after SESSION_COOKIE_AGE without a
request, give or take SESSION_TOUCH_SECONDS.
"""

from django.conf import settings
from django.utils import timezone

TOUCHED_KEY = "_touched_at"


class IdleSessionMiddleware:
    """Place right after SessionMiddleware, so its response phase runs before the
    session is saved."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        session = getattr(request, "session", None)
        if session is not None and user is not None and user.is_authenticated:
            now = int(timezone.now().timestamp())
            if now - session.get(TOUCHED_KEY, 0) >= settings.SESSION_TOUCH_SECONDS:
                session[TOUCHED_KEY] = now  # marks the session modified: saved with a new expiry
        return response
