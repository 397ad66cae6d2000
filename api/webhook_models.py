"""
Outgoing webhooks: the systems we tell at once when something happens to a case (the
lender's loan system, its dialers), each a WebhookEndpoint with the events it subscribed
to and a secret that signs every delivery. The secret is kept in clear (it must sign) and
shown once, in the admin after the endpoint is made. Each event for each endpoint is one
WebhookDelivery: what was sent, how often, what came back; the delivery log.
"""

import secrets

from django.conf import settings
from django.core.validators import URLValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class EventType(models.TextChoices):
    CASE_CLOSED = "case.closed", _("Case closed (resolved, settled or written off)")
    HOLD_PLACED = "hold.placed", _("Hold placed")
    HOLD_RELEASED = "hold.released", _("Hold released")
    PROMISE_BROKEN = "promise.broken", _("Promise or plan broken")
    VISIT_APPROVED = "visit.approved", _("Field visit approved")
    # Sent from the admin to try an endpoint; nobody subscribes to it.
    TEST = "webhook.test", _("Test event")


# What an endpoint may subscribe to: every event but the test.
SUBSCRIBABLE_EVENTS = [(value, label) for value, label in EventType.choices if value != EventType.TEST]


def new_secret() -> str:
    return f"whsec_{secrets.token_urlsafe(32)}"


class WebhookEndpoint(models.Model):
    name = models.CharField(max_length=100, unique=True, verbose_name=_("name"))
    # http(s) only: urllib would also open file: and ftp: addresses.
    url = models.URLField(max_length=500, validators=[URLValidator(schemes=["http", "https"])], verbose_name=_("URL"))
    secret = models.CharField(max_length=100, default=new_secret, editable=False, verbose_name=_("signing secret"))
    events = models.JSONField(default=list, blank=True, verbose_name=_("events"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    revoked_at = models.DateTimeField(null=True, blank=True, verbose_name=_("deactivated at"))

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class WebhookDelivery(models.Model):
    """One event for one endpoint: pending until a 2xx answer (delivered) or until the
    last attempt failed (failed). ``next_attempt_at`` is when it is due again; a pending
    delivery long past it lost its queued task, and the sweep queues it again."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.PROTECT, related_name="deliveries", verbose_name=_("endpoint")
    )
    event_id = models.UUIDField(verbose_name=_("event id"))
    event_type = models.CharField(max_length=40, choices=EventType.choices, verbose_name=_("event type"))
    payload = models.JSONField(verbose_name=_("payload"))
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING, verbose_name=_("state"))
    attempts = models.PositiveSmallIntegerField(default=0, verbose_name=_("attempts"))
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True, verbose_name=_("last status code"))
    last_error = models.CharField(max_length=300, blank=True, verbose_name=_("last error"))
    next_attempt_at = models.DateTimeField(null=True, blank=True, verbose_name=_("next attempt at"))
    delivered_at = models.DateTimeField(null=True, blank=True, verbose_name=_("delivered at"))
    created_at = models.DateTimeField(auto_now_add=True, db_index=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["endpoint", "event_id"], name="webhook_delivery_endpoint_event")]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="webhook_delivery_due")]

    def __str__(self):
        return f"{self.get_event_type_display()} {self.event_id}"
