"""How many wrong codes a client typed at /verify/ in the window: counted in the cache
(Redis in production), and in the database when the cache is unreachable, so the page
keeps answering — and keeps refusing guessers — through a Redis outage."""

from datetime import timedelta
import logging

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from .models import VerifyMiss

logger = logging.getLogger(__name__)


def _key(client: str) -> str:
    return f"verify-attempts:{client}"


def _window_start():
    return timezone.now() - timedelta(seconds=settings.VERIFY_WINDOW_SECONDS)


def misses(client: str) -> int:
    in_database = VerifyMiss.objects.filter(client=client, at__gte=_window_start()).count()
    try:
        return in_database + cache.get(_key(client), 0)
    except Exception:  # the cache backend's own connection errors differ per backend
        logger.warning("cache unreachable: /verify/ throttles from the database", exc_info=True)
        return in_database


def note_miss(client: str) -> None:
    try:
        cache.set(_key(client), cache.get(_key(client), 0) + 1, settings.VERIFY_WINDOW_SECONDS)
    except Exception:
        VerifyMiss.objects.create(client=client)
        VerifyMiss.objects.filter(at__lt=_window_start()).delete()
