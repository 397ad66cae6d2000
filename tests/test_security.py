"""Browser-facing security: headers on every response, no inline script or style in our
templates, CSRF protection everywhere but the signed provider webhook."""

from pathlib import Path
import re

from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.clients import sign_in
from tests.factories import make_user

TEMPLATES = Path(settings.BASE_DIR) / "templates"


def test_security_headers_on_a_page(db):
    response = Client().get(reverse("admin:login"))
    policy = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"
    assert directives["form-action"] == "'self'" and directives["base-uri"] == "'self'"
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response.cookies["csrftoken"]["httponly"]


def test_hsts_over_https(db):
    response = Client().get(reverse("admin:login"), secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"


def test_staff_pages_carry_the_policy_too(db):
    client = sign_in(Client(), make_user("Supervisor"))
    for url in (reverse("admin:index"), reverse("visits:inbox"), reverse("verify")):
        response = client.get(url)
        assert response.status_code == 200 and "script-src 'self'" in response["Content-Security-Policy"], url


def test_no_inline_script_or_style_in_our_templates():
    inline = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle=|\son[a-z]+=|javascript:", re.IGNORECASE)
    offenders = [
        f"{path.relative_to(TEMPLATES)}: {match.group(0)}"
        for path in TEMPLATES.rglob("*.html")
        for match in inline.finditer(path.read_text())
    ]
    assert offenders == []


def _views(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _views(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.callback


def test_only_the_signed_webhooks_skip_csrf():
    exempt = {
        route
        for route, view in _views(get_resolver("collections_site.urls").url_patterns)
        if getattr(view, "csrf_exempt", False)
    }
    # The integration API reads only the key in its Authorization header, never a browser's
    # cookies (tests/api: a staff session is no key), so a forged cross-site request has nothing to ride on.
    api = {
        "api/v1/contact/check",
        "api/v1/contact/check/batch",
        "api/v1/contact/attempts",
        "api/v1/messages/inbound",
        "api/v1/loans/<str:loan_number>",
        "api/v1/payments",
        "api/v1/schema/",
        "api/v1/docs/",
    }
    assert exempt == {"work/hooks/delivery/", "work/hooks/inbound/", *api}
