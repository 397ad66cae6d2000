"""
Notifications: news for one person about work that waits for them or news of their own
(a visit request to decide, their request decided, a promise broken on their case, a new
compliance finding, their import done). Written set-based (one INSERT for any number of
people or rows, the night's check included), worded when read (desk/notification_text.py).

Who is told what (desk/receivers.py connects the domain signals to these):

- a visit requested: every active person who may approve visits, but the requester;
- a visit approved or rejected: whoever requested it;
- a promise or plan broken: the case's assigned collector;
- findings opened: every active compliance reviewer (not the reviewer who raised it);
  past ``FINDINGS_ONE_BY_ONE`` at once (a scan's night), one line saying how many;
- an import finished or failed: whoever started it.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils import timezone

from .models import Notification
from .notification_text import link, sentence

Kind = Notification.Kind
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
# More new findings than this at once and each reviewer gets one line saying how many.
FINDINGS_ONE_BY_ONE = 10


def holders_of(perm: str, *, exclude=()) -> list[int]:
    """Ids of the active users holding ``perm`` through a role or directly (superusers
    only if they hold it so: an operator is not a reviewer)."""
    users = get_user_model().objects.with_perm(perm, include_superusers=False, backend=MODEL_BACKEND)
    return sorted(set(users.values_list("pk", flat=True)) - {pk for pk in exclude if pk})


def _id(user) -> int | None:
    return user if isinstance(user, int) or user is None else user.pk


def notify(users: Iterable, kind: str, **params) -> list[Notification]:
    """One notification of ``kind`` with ``params`` to each of ``users`` (users or ids),
    in one INSERT."""
    ids = sorted({_id(user) for user in users} - {None})
    return notify_many((pk, kind, params) for pk in ids)


def notify_many(rows: Iterable[tuple[int, str, dict]]) -> list[Notification]:
    """Different news for different people at once: (user id, kind, params) each, in
    INSERTs of 1,000 rows (the bulk paths: the night's broken promises, the scan)."""
    return Notification.objects.bulk_create(
        [Notification(user_id=pk, kind=kind, params=params) for pk, kind, params in rows if pk], batch_size=1000
    )


def mine(user) -> QuerySet:
    return Notification.objects.filter(user=user)


def unread_count(user) -> int:
    """One COUNT on the (user, read_at) index."""
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def mark_read(user, ids: Iterable[int] | None = None) -> int:
    """Mark ``user``'s notifications ``ids`` (None: all of them) read; someone else's ids
    are ignored. Returns how many changed."""
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    return unread.update(read_at=timezone.now())


def recent(user, limit: int = 20) -> list[Notification]:
    return list(mine(user).order_by("-created_at", "-pk")[:limit])


def described(notification: Notification) -> dict:
    """What a page or an e-mail shows of one notification, in the current language."""
    return {
        "notification": notification,
        "sentence": sentence(notification.kind, notification.params),
        "link": link(notification.kind, notification.params),
        "unread": notification.read_at is None,
    }
