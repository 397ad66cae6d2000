"""The integration API's settings (api/): Django REST framework with API keys only (no
session, so no CSRF exposure for the browser site), JSON errors, a rate per client, and
the OpenAPI schema drf-spectacular writes from the code, browsable with Swagger UI served
from our own static files (drf-spectacular-sidecar; the CSP allows nothing else)."""

__all__ = [
    "API_APPS",
    "API_IDEMPOTENCY_KEY_HOURS",
    "API_MAX_BODY_BYTES",
    "API_SCHEDULE",
    "REST_FRAMEWORK",
    "SPECTACULAR_SETTINGS",
]

API_APPS = ["rest_framework", "drf_spectacular", "drf_spectacular_sidecar", "api"]

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.auth.ApiKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["api.auth.HasScope"],
    "DEFAULT_THROTTLE_CLASSES": ["api.auth.PerClientRate"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.errors.json_errors",
    "UNAUTHENTICATED_USER": None,
}

# How long the answer to a request with an Idempotency-Key is kept for its retries.
API_IDEMPOTENCY_KEY_HOURS = 24

# The largest request body the API reads: a batch check of 1,000 loan numbers is ~50 KB.
API_MAX_BODY_BYTES = 256 * 1024

SPECTACULAR_SETTINGS = {
    "TITLE": "Collections back office: integration API",
    "DESCRIPTION": "Payments in real time, and the compliance engine as a gate for dialers and messaging platforms. "
    "Authenticate with `Authorization: Bearer <key>`; each key has scopes.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Three channel sets: every channel (a check), those an attempt is recorded on through
    # the API (a visit is recorded by the field agent's phone), those inbound replies come by.
    "ENUM_NAME_OVERRIDES": {
        "ChannelEnum": "policy.codes.Channel",
        "AttemptChannelEnum": "api.write_serializers.ATTEMPT_CHANNELS",
        "InboundChannelEnum": "api.write_serializers.INBOUND_CHANNELS",
    },
}

# Merged into CELERY_BEAT_SCHEDULE. Webhook deliveries whose queued retry was lost (a broker
# outage, a worker killed) are queued again by this sweep (api/tasks.py).
API_SCHEDULE = {
    "sweep-webhook-deliveries": {"task": "api.tasks.sweep_webhook_deliveries", "schedule": 60.0},
    "forget-idempotency-keys": {
        "task": "core.tasks.run_scheduled_job",
        "args": ["forget_idempotency_keys"],
        "schedule": 60 * 60.0,
    },
}
