"""Staff who must use a second factor see no staff page until they have shown a token.

Runs after django-otp's OTPMiddleware (which installs ``request.user.is_verified()``).
Every view is covered unless listed in SECOND_FACTOR_EXEMPT_VIEWS below or marked with
``second_factor_exempt``: a new page is protected without anyone remembering to say so.
Past the second factor, the person's notices are delivered (accounts/notices.py).
"""

from urllib.parse import urlencode

from django.shortcuts import redirect
from django.urls import reverse

from . import notices, twofactor

# Pages a signed-in person may reach before the token: signing in and out, the
# two-factor pages themselves (marked in accounts/views.py), the language switch, and
# the public pages (visitor verification, signed provider webhook).
SECOND_FACTOR_EXEMPT_VIEWS = {
    "admin:login",
    "admin:logout",
    "admin:jsi18n",
    "set_language",
    "verify",
    "contacts:delivery_receipt",
}


def second_factor_exempt(view):
    view.second_factor_exempt = True
    return view


class SecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if getattr(view_func, "second_factor_exempt", False):
            return None
        match = request.resolver_match
        if match is not None and match.view_name in SECOND_FACTOR_EXEMPT_VIEWS:
            return None
        user = request.user
        if not user.is_authenticated:
            return None
        if not user.is_verified():
            if twofactor.confirmed_device(user) is not None:
                target = "accounts:verify"
            elif twofactor.in_required_role(user):
                target = "accounts:enrol"
            else:
                target = None
            if target is not None:
                return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
        notices.deliver(request, mark_shown=True)
        return None
