"""The desk's scheduled jobs: the nightly KPI snapshot; each person's daily e-mail of their
notifications of the last day that are still unread, in their own language; and the
nightly cycle, which composes every app's night and so lives on the top floor."""

from __future__ import annotations

from datetime import datetime, timedelta
import logging

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases import jobs as case_jobs
from contacts import outbox
from core.job_names import label_counts
from core.jobs import scheduled_job
from core.when import local_datetime

from . import snapshots
from .models import Notification, NotificationSettings
from .notifications import described

logger = logging.getLogger(__name__)
DIGEST_PERIOD = timedelta(days=1)
# At most this many lines in one e-mail; the rest is a count and the link to the list.
DIGEST_LINES = 50

label_counts(
    stock_rows=gettext_lazy("book rows"),
    move_rows=gettext_lazy("bucket-move rows"),
    activity_rows=gettext_lazy("activity rows"),
    already_taken=gettext_lazy("moves already taken today"),
    take_kpi_snapshot=gettext_lazy("KPI snapshot"),
    digests_sent=gettext_lazy("digests sent"),
    digests_empty=gettext_lazy("people with nothing unread"),
    digests_failed=gettext_lazy("digests not sent (e-mail refused)"),
)


def _language(user) -> str:
    """The person's chosen interface language (the preferences app), else the site's."""
    chosen = getattr(getattr(user, "staff_profile", None), "language", "")
    return chosen if chosen in {code for code, _name in settings.LANGUAGES} else settings.LANGUAGE_CODE


def _absolute(path: str) -> str:
    return settings.STAFF_SITE_URL.rstrip("/") + path


def digest_text(user, notifications: list[Notification]) -> tuple[str, str]:
    """Subject and body of one person's digest, in the current language."""
    subject = _("Collections: %(count)s unread notification(s)") % {"count": len(notifications)}
    lines = [
        _("Hello %(name)s, these notifications of the last day are still unread:")
        % {"name": user.get_full_name() or user.get_username()},
        "",
    ]
    for notification in notifications[:DIGEST_LINES]:
        shown = described(notification)
        lines.append(f"- {local_datetime(notification.created_at)}  {shown['sentence']}")
        lines.append(f"  {_absolute(shown['link'])}")
    if len(notifications) > DIGEST_LINES:
        lines.append(_("… and %(more)s more.") % {"more": len(notifications) - DIGEST_LINES})
    lines += [
        "",
        _("All your notifications: %(url)s") % {"url": _absolute(reverse("desk:notifications"))},
        _("You get this e-mail because you asked for a daily digest; untick it on the notifications page."),
    ]
    return subject, "\n".join(lines)


@scheduled_job("send_notification_digest", label=gettext_lazy("Send the daily notification digests"))
def send_notification_digest(now: datetime | None = None) -> dict[str, int]:
    """One e-mail per person who asked for the digest and has unread notifications of the
    last day; never twice the same day (the day is claimed before sending: a second run,
    or a second worker, finds it taken)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    counts = {"digests_sent": 0, "digests_empty": 0, "digests_failed": 0}
    due = (
        NotificationSettings.objects.filter(daily_digest=True, user__is_active=True)
        .exclude(user__email="")
        .exclude(digest_sent_on=today)
        .select_related("user__staff_profile")
    )
    for choice in due:
        user = choice.user
        unread = list(
            Notification.objects.filter(user=user, read_at__isnull=True, created_at__gte=now - DIGEST_PERIOD).order_by(
                "-created_at", "-pk"
            )
        )
        if not unread:
            counts["digests_empty"] += 1
            continue
        previous = choice.digest_sent_on
        claimed = (
            NotificationSettings.objects.filter(pk=choice.pk).exclude(digest_sent_on=today).update(digest_sent_on=today)
        )
        if not claimed:
            continue
        with translation.override(_language(user)):
            subject, body = digest_text(user, unread)
        try:
            send_mail(subject, body, None, [user.email])
        except Exception:
            logger.exception("notification digest for user %s not sent", user.pk)
            NotificationSettings.objects.filter(pk=choice.pk).update(digest_sent_on=previous)
            counts["digests_failed"] += 1
            continue
        counts["digests_sent"] += 1
    return counts


@scheduled_job("take_kpi_snapshot", label=gettext_lazy("Take the KPI snapshot"))
def take_kpi_snapshot(now=None) -> dict[str, int]:
    return snapshots.take_snapshot(now)


# The night's steps, in order (each is also scheduled on its own). The benchmark times
# each of these (bench/measure.py), so a step added here is measured there too.
NIGHT_STEPS = [
    ("check_promises", case_jobs.check_promises),
    ("refresh_delinquency", case_jobs.refresh_delinquency),
    # After it, so the cases opened tonight have a collector in the morning.
    ("allocate_cases", case_jobs.allocate_cases),
    ("plan_reminders", lambda now: outbox.plan_reminders()),
    ("take_kpi_snapshot", snapshots.take_snapshot),
]


@scheduled_job("nightly_cycle", label=gettext_lazy("Nightly cycle"))
def nightly_cycle(now=None) -> dict[str, dict]:
    """Everything the night does, in order."""
    return {name: step(now) for name, step in NIGHT_STEPS}
