"""Two-factor pages (token, enrolment) and the login lockout page."""

from urllib.parse import urlencode

from django.contrib import admin, messages
from django.contrib.auth import authenticate
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
import django_otp

from core.exceptions import ServiceError

from . import enrolment, notices, twofactor
from .forms import EnrolForm, TokenForm
from .middleware import second_factor_exempt


def _next_url(request) -> str:
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return wanted
    return reverse("admin:index")


def _page(request, template, title, **context):
    # The person's notices (an authenticator added, a role given...) show here too: whoever
    # was locked out by a device they never added learns why on the token page.
    notices.deliver(request, mark_shown=request.user.is_verified())
    return render(
        request, template, {**admin.site.each_context(request), "title": title, "next": _next_url(request), **context}
    )


def _verified(request, device):
    """The token was right: a fresh session key, then mark the session as verified."""
    request.session.cycle_key()
    django_otp.login(request, device)


@second_factor_exempt
@sensitive_post_parameters("token")
@never_cache
def verify(request):
    """Enter the current code from the enrolled authenticator."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if request.user.is_verified():
        return redirect(_next_url(request))
    device = twofactor.confirmed_device(request.user)
    if device is None:
        return redirect(f"{reverse('accounts:enrol')}?{urlencode({'next': _next_url(request)})}")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        outcome = twofactor.check_token(device, form.cleaned_data["token"])
        if outcome == twofactor.ACCEPTED:
            _verified(request, device)
            return redirect(_next_url(request))
        if outcome == twofactor.THROTTLED:
            form.add_error("token", _("Too many wrong codes. Wait a moment, then try again."))
        else:
            form.add_error("token", _("That code is not right. Enter the code your authenticator shows now."))
    return _page(request, "accounts/verify.html", _("Two-factor sign-in"), form=form)


def _password_again(request, password: str) -> bool:
    """The signed-in person's password, checked as the login checks it (django-axes
    counts a wrong one and locks the pair out after the limit)."""
    user = request.user
    again = authenticate(request, username=user.get_username(), password=password)
    return again is not None and again.pk == user.pk


@second_factor_exempt
@sensitive_post_parameters("token", "password", "current_token", "enrolment_code")
@never_cache
def enrol(request):
    """Add an authenticator: scan the QR code (or type the secret), confirm with a code,
    the password again and, depending on the person, a code of the current authenticator
    or an enrolment code (accounts/enrolment.py)."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    user = request.user
    current = twofactor.confirmed_device(user)
    if current is not None and not user.is_verified():
        # Replacing a device needs the present one first.
        return redirect(f"{reverse('accounts:verify')}?{urlencode({'next': request.get_full_path()})}")
    required = twofactor.in_required_role(user)
    if current is not None and request.method == "GET" and not request.GET.get("new"):
        return _page(request, "accounts/enrol.html", _("Two-factor sign-in"), enrolled=True, required=required)
    key = twofactor.pending_key(request.session)
    form = EnrolForm(
        request.POST or None,
        needs_current_token=current is not None,
        needs_enrolment_code=current is None and required,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if not _password_again(request, data["password"]):
            form.add_error("password", _("That password is not right."))
        else:
            try:
                device = enrolment.add_authenticator(
                    user,
                    key=key,
                    token=data["token"],
                    by=user,
                    current_token=data.get("current_token", ""),
                    enrolment_code=data.get("enrolment_code", ""),
                    origin_session=notices.session_mark(request.session),
                )
            except ServiceError as refusal:
                form.add_error(None, str(refusal))
            else:
                twofactor.forget_pending_key(request.session)
                _verified(request, device)
                messages.success(
                    request, _("Your authenticator is set up. You will be asked for a code at every sign-in.")
                )
                return redirect(_next_url(request))
    pending = twofactor.unsaved_device(user, key)
    return _page(
        request,
        "accounts/enrol.html",
        _("Set up two-factor sign-in"),
        form=form,
        enrolled=False,
        replacing=current is not None,
        required=required,
        secret=twofactor.secret_for_humans(pending),
        otpauth_uri=pending.config_url,
        qr_svg=twofactor.qr_svg(pending),
    )


def locked_out(request, original_response=None, credentials=None):
    """django-axes' lockout response (AXES_LOCKOUT_CALLABLE): a page, status 429."""
    from axes.helpers import get_client_username, get_cool_off

    cool_off = get_cool_off(request)
    minutes = int(cool_off.total_seconds() // 60) if cool_off else None
    return render(
        request,
        "accounts/lockout.html",
        {
            **admin.site.each_context(request),
            "title": _("Sign-in locked"),
            "username": get_client_username(request, credentials) or "",
            "minutes": minutes,
        },
        status=429,
    )
