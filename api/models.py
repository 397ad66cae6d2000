"""
The systems that call /api/v1/ (the lender's loan system, dialers, voice bots, messaging
platforms): one ApiClient each, with the scopes it may use. Its key is shown once when
it is made or rotated and kept only as a SHA-256 digest; a revoked client is refused.
Every call is kept in ApiCall: who, what, the answer's status, when.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Scope(models.TextChoices):
    LOANS_WRITE = "loans:write", _("Upsert loan accounts")
    PAYMENTS_WRITE = "payments:write", _("Post payments")
    CONTACT_CHECK = "contact:check", _("Ask whether a contact may happen now")
    CONTACT_RECORD = "contact:record", _("Record contact attempts")
    MESSAGES_INBOUND = "messages:inbound", _("Hand over inbound messages")
    CASES_READ = "cases:read", _("Read cases")


class ApiClient(models.Model):
    name = models.CharField(max_length=100, unique=True, verbose_name=_("name"))
    # The key is "<prefix>.<secret>": the prefix finds the client, the secret's digest proves it.
    prefix = models.CharField(max_length=12, unique=True, editable=False, verbose_name=_("key prefix"))
    key_digest = models.CharField(max_length=64, editable=False, verbose_name=_("key digest"))
    scopes = models.JSONField(default=list, blank=True, verbose_name=_("scopes"))
    requests_per_minute = models.PositiveIntegerField(default=600, verbose_name=_("requests per minute"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    rotated_at = models.DateTimeField(null=True, blank=True, verbose_name=_("key rotated at"))
    last_used_at = models.DateTimeField(null=True, blank=True, verbose_name=_("last used at"))
    revoked_at = models.DateTimeField(null=True, blank=True, verbose_name=_("revoked at"))

    class Meta:
        verbose_name = _("API client")
        verbose_name_plural = _("API clients")
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def allows(self, scope: str) -> bool:
        return scope in self.scopes


class ApiCall(models.Model):
    """One call to the API, kept for the access log."""

    client = models.ForeignKey(ApiClient, on_delete=models.PROTECT, related_name="calls", verbose_name=_("client"))
    at = models.DateTimeField(auto_now_add=True, db_index=True, verbose_name=_("at"))
    method = models.CharField(max_length=8, verbose_name=_("method"))
    path = models.CharField(max_length=200, verbose_name=_("path"))
    status = models.PositiveSmallIntegerField(verbose_name=_("status"))

    class Meta:
        verbose_name = _("API call")
        verbose_name_plural = _("API calls")
        ordering = ["-at"]
        indexes = [models.Index(fields=["client", "at"], name="apicall_client_at")]

    def __str__(self):
        return f"{self.method} {self.path} {self.status}"


class IdempotentRequest(models.Model):
    """A write sent with an ``Idempotency-Key`` header: its answer, kept so that the same
    request sent again (a retry after a timeout) gets the same answer and writes nothing.
    The key is the client's: two clients may use the same one. The row is written in the
    request's own transaction, so a concurrent copy waits on its unique index and then
    replays the committed answer; a request that failed leaves no row and may be retried."""

    client = models.ForeignKey(
        ApiClient, on_delete=models.CASCADE, related_name="idempotent_requests", verbose_name=_("client")
    )
    key = models.CharField(max_length=255, verbose_name=_("idempotency key"))
    # SHA-256 of method, path and body: the same key with another request is refused.
    fingerprint = models.CharField(max_length=64, verbose_name=_("request fingerprint"))
    status = models.PositiveSmallIntegerField(verbose_name=_("status"))
    response = models.JSONField(verbose_name=_("response"))
    created_at = models.DateTimeField(auto_now_add=True, db_index=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("idempotent request")
        verbose_name_plural = _("idempotent requests")
        constraints = [models.UniqueConstraint(fields=["client", "key"], name="idempotent_request_client_key")]

    def __str__(self):
        return f"{self.client} {self.key}"


# Outgoing webhooks: endpoints and their delivery log (api/webhook_models.py).
from .webhook_models import EventType, WebhookDelivery, WebhookEndpoint  # noqa: E402, F401
