"""The API's scheduled housekeeping."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.jobs import scheduled_job

from .models import IdempotentRequest


@scheduled_job("forget_idempotency_keys", label=_("Forget old idempotency keys"), record_empty=False)
def forget_idempotency_keys() -> dict[str, int]:
    """Hourly: answers kept for an Idempotency-Key longer than API_IDEMPOTENCY_KEY_HOURS.
    A retry comes within minutes; a payment sent again after that is still recorded once,
    by its reference."""
    cutoff = timezone.now() - timedelta(hours=settings.API_IDEMPOTENCY_KEY_HOURS)
    forgotten, _by_model = IdempotentRequest.objects.filter(created_at__lt=cutoff).delete()
    return {"forgotten": forgotten}
