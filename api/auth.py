"""Who is calling: an API key in ``Authorization: Bearer <key>`` (no session, no cookie, so
no CSRF exposure), the scope each view needs, and a rate per client."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, permissions, throttling

from .keys import client_for_key
from .models import ApiClient


class ApiPrincipal:
    """request.user for an API call: the client, not a person."""

    is_authenticated = True
    is_anonymous = False
    is_active = True

    def __init__(self, client: ApiClient):
        self.client = client
        self.pk = None

    def __str__(self):
        return f"api:{self.client.name}"


class ApiKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1").split()
        if not header or header[0] != self.keyword:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Give the key as: Authorization: Bearer <key>.", code="bad_key")
        client = client_for_key(header[1])
        if client is None:
            raise exceptions.AuthenticationFailed("This API key is not known.", code="unknown_key")
        if not client.is_active:
            raise exceptions.AuthenticationFailed("This API key was revoked.", code="revoked_key")
        # At most one write a minute per client for "last used": the call log has each call.
        now = timezone.now()
        if client.last_used_at is None or (now - client.last_used_at).total_seconds() > 60:
            ApiClient.objects.filter(pk=client.pk).update(last_used_at=now)
        return ApiPrincipal(client), client

    def authenticate_header(self, request):
        return self.keyword


class HasScope(permissions.BasePermission):
    """The view's ``required_scope`` must be among the client's scopes."""

    message = "This API key does not have the scope this endpoint needs."

    def has_permission(self, request, view):
        client = getattr(request.user, "client", None)
        if client is None:
            return False
        if not client.allows(view.required_scope):
            self.message = f"This API key does not have the scope {view.required_scope}."
            return False
        return True


class PerClientRate(throttling.SimpleRateThrottle):
    """Each client's own requests per minute (ApiClient.requests_per_minute); the answer
    over it is 429 with Retry-After."""

    scope = "api_client"

    def get_rate(self):
        return "1/min"  # replaced per request in allow_request

    def allow_request(self, request, view):
        client = getattr(request.user, "client", None)
        if client is None:
            return True
        self.num_requests, self.duration = client.requests_per_minute, 60
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        return f"api-rate:{request.user.client.pk}"


class ApiKeyScheme(OpenApiAuthenticationExtension):
    """How the schema describes the key: HTTP bearer."""

    target_class = "api.auth.ApiKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "An API client's key (api.ApiClient)."}
