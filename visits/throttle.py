"""The guess throttle of the public /verify/ page. Two counters, each over
VERIFY_WINDOW_SECONDS:

- wrong codes per client address (VERIFY_ATTEMPTS_PER_WINDOW). The address is the one the
  sign-in lockout uses (``accounts.network.client_ip``): behind TRUSTED_PROXY_COUNT reverse
  proxies, the address the outermost proxy saw, so borrowers behind one proxy are counted
  apart and a client cannot pick its own address with a header;
- lookups of one code from any address (VERIFY_LOOKUPS_PER_CODE), so a code cannot be
  tried from many addresses at once.

A request takes its slot *before* the code is looked up, with one atomic increment (the
cache's ``add`` then ``incr``, or one UPDATE of a database row), so a burst of parallel
requests lets exactly the limit through; a right code gives its address slot back. The
counters live in the cache (Redis in production) and, while the cache is unreachable, in
the database, so the page keeps answering — and keeps refusing guessers — through a Redis
outage. Keys are keyed digests: neither addresses nor codes are stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
import logging

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import salted_hmac

from .models import VerifyCounter

logger = logging.getLogger(__name__)

CACHE, DATABASE = "cache", "database"


@dataclass(frozen=True)
class Slot:
    """One counted try: which counter, its count including this try, and where it is kept."""

    key: str
    count: int
    store: str


def _key(kind: str, value: str) -> str:
    digest = salted_hmac("visits.throttle", value, algorithm="sha256").hexdigest()[:40]
    return f"verify:{kind}:{digest}"


def address_key(client: str) -> str:
    return _key("address", client)


def code_key(code: str) -> str:
    return _key("code", code.strip().upper())


# --- taking and giving back a slot ----------------------------------------------------------


def take(key: str) -> Slot:
    """Count one try against ``key`` and return the count including it."""
    try:
        return Slot(key, _take_in_cache(key), CACHE)
    except Exception:  # the cache backend's own connection errors differ per backend
        logger.warning("cache unreachable: /verify/ throttles from the database", exc_info=True)
        return Slot(key, _take_in_database(key), DATABASE)


def give_back(slot: Slot) -> None:
    """Undo one try (a right code does not count against its address)."""
    if slot.store == CACHE:
        try:
            cache.decr(slot.key)
        except ValueError:  # the window ended meanwhile: nothing to give back
            pass
        except Exception:
            logger.warning("cache unreachable: a /verify/ slot stays taken", exc_info=True)
    else:
        VerifyCounter.objects.filter(key=slot.key, count__gt=0).update(count=F("count") - 1)


def _take_in_cache(key: str) -> int:
    window = settings.VERIFY_WINDOW_SECONDS
    for _attempt in range(3):
        cache.add(key, 0, window)  # starts the window; a no-op while one is running
        try:
            count = cache.incr(key)
        except ValueError:  # the window ended between add and incr: start a new one
            continue
        if count == 1:
            # Redis's INCR re-creates a key that expired just before it without an expiry;
            # the first try of a window sets it again, so no counter outlives its window.
            cache.touch(key, window)
        return count
    raise RuntimeError("the cache keeps dropping the /verify/ counter")


def _take_in_database(key: str) -> int:
    """One UPDATE … SET count = count + 1 on the key's row, so parallel requests queue on the
    row lock (PostgreSQL) or the write lock (SQLite) and each reads its own count."""
    now = timezone.now()
    window_end = now + timedelta(seconds=settings.VERIFY_WINDOW_SECONDS)
    counters = VerifyCounter.objects.filter(key=key)
    for _attempt in range(3):
        with transaction.atomic():
            if counters.filter(expires_at__gt=now).update(count=F("count") + 1):
                return counters.values_list("count", flat=True).get()
            # Expired: the first request to come back starts a new window.
            if counters.filter(expires_at__lte=now).update(count=1, expires_at=window_end):
                return 1
        try:
            with transaction.atomic():
                VerifyCounter.objects.create(key=key, count=1, expires_at=window_end)
        except IntegrityError:  # a parallel request created it first: count on its row
            continue
        _forget_expired(now)
        return 1
    raise RuntimeError("the /verify/ counter row keeps changing")


def _forget_expired(now) -> None:
    """Best effort: counters whose window ended long ago are of no use to anyone."""
    stale = now - timedelta(seconds=settings.VERIFY_WINDOW_SECONDS)
    try:
        with transaction.atomic():
            VerifyCounter.objects.filter(expires_at__lt=stale).delete()
    except DatabaseError:  # a parallel cleanup got there first
        logger.info("expired /verify/ counters left for the next cleanup", exc_info=True)


# --- the page's two questions ---------------------------------------------------------------


def admit(client: str, code: str) -> Slot | None:
    """Take a slot for this address and one for this code; ``None`` when either limit is
    reached (a code's limit refuses without counting against the address). The slot
    returned is the address's, for ``give_back`` when the code turns out right."""
    address = take(address_key(client))
    if address.count > settings.VERIFY_ATTEMPTS_PER_WINDOW:
        return None
    if take(code_key(code)).count > settings.VERIFY_LOOKUPS_PER_CODE:
        give_back(address)
        return None
    return address
