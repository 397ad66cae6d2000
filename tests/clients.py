"""Signed-in test clients, as the site itself signs people in, and a signed-in browser
posting to the live server over real HTTP (for the concurrency tests)."""

from http.cookies import SimpleCookie
import re
from urllib.error import HTTPError
from urllib.parse import urlencode
from urllib.request import HTTPRedirectHandler, Request, build_opener

from django.conf import settings
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import twofactor
from policy.codes import Channel, Outcome


def sign_in(client, user):
    """Sign ``user`` in on a test client as the site itself would: the password step
    (force_login), then, for roles that must use two-factor sign-in (or anyone with an
    authenticator), a verified TOTP device recorded in the session exactly as
    django_otp.login records it. Returns the client."""
    client.force_login(user)
    device = twofactor.confirmed_device(user)
    if device is None and twofactor.in_required_role(user):
        device = TOTPDevice.objects.create(user=user, name="test authenticator", confirmed=True)
    if device is not None:
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


def client_for(user) -> Client:
    return sign_in(Client(), user)


class _NoRedirects(HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def session_for(user) -> str:
    client = sign_in(Client(), user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def live_poster(live_server, session: str, case):
    """A signed-in browser on the live server's case desk of ``case``: reads the page once
    for its CSRF token; the function it returns posts one unanswered call to a contact
    point and gives the HTTP status (302 logged, 409 refused by the rules)."""
    opener = build_opener(_NoRedirects)
    desk = f"{live_server.url}{reverse('desk:case', args=[case.pk])}"
    url = f"{live_server.url}{reverse('desk:log', args=[case.pk])}"
    cookie = f"{settings.SESSION_COOKIE_NAME}={session}"
    with opener.open(Request(desk, headers={"Cookie": cookie})) as page:
        body = page.read().decode()
        jar = SimpleCookie()
        for header in page.headers.get_all("Set-Cookie") or []:
            jar.load(header)
        csrf_cookie = jar[settings.CSRF_COOKIE_NAME].value
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1)
    cookie += f"; {settings.CSRF_COOKIE_NAME}={csrf_cookie}"

    def post(point_pk) -> int:
        data = urlencode(
            {
                "csrfmiddlewaretoken": token,
                "route": f"{Channel.PHONE_CALL}:{point_pk}",
                "outcome": Outcome.NO_ANSWER,
                "stay": "1",
            }
        ).encode()
        request = Request(url, data=data, headers={"Cookie": cookie, "Referer": desk})
        try:
            with opener.open(request, timeout=60) as response:
                return response.status
        except HTTPError as error:
            return error.code

    return post
