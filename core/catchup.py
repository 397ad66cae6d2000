"""
Daily jobs that a broker outage made beat miss run when the broker is back.

Beat keeps its own record of when each entry last ran and does not make up a tick that
fell while the broker was unreachable: a daily job would be skipped until the next day.
Each job's JobRuns say when it last started without failing, so ``missed_jobs`` asks each
crontab entry of the beat schedule (its own minutes, hours and days) when it last fell
due, and ``catch_up_missed_jobs`` — itself on the schedule every few
minutes — runs those. A job that is running, or ran since its tick, is never doubled; a
job that never ran (a new installation, the demo) waits for its schedule.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from celery.schedules import crontab
from django.conf import settings
from django.utils import timezone

from .jobs import run_job
from .models import JobRun

# A tick is left to beat for this long before it counts as missed.
GRACE = timedelta(minutes=10)
JOB_TASK = "core.tasks.run_scheduled_job"


def daily_entries(schedule: dict | None = None) -> dict[str, crontab]:
    """Job name → crontab, for the beat entries that run a job at set times of day."""
    schedule = settings.CELERY_BEAT_SCHEDULE if schedule is None else schedule
    return {
        entry["args"][0]: entry["schedule"]
        for entry in schedule.values()
        if entry.get("task") == JOB_TASK and isinstance(entry.get("schedule"), crontab)
    }


def _last_tick(schedule: crontab, now: datetime) -> datetime | None:
    """The latest instant at or before ``now`` the crontab fires, in the site's zone (a
    crontab's hours are local); None if it did not fire in the last eight days."""
    local = timezone.localtime(now).replace(second=0, microsecond=0)
    for days_back in range(9):
        day = (local - timedelta(days=days_back)).date()
        # celery counts the days of the week from Sunday = 0
        if (day.isoweekday() % 7) not in schedule.day_of_week or day.day not in schedule.day_of_month:
            continue
        if day.month not in schedule.month_of_year:
            continue
        for hour in sorted(schedule.hour, reverse=True):
            for minute in sorted(schedule.minute, reverse=True):
                tick = local.replace(year=day.year, month=day.month, day=day.day, hour=hour, minute=minute)
                if tick <= local:
                    return tick
    return None


def missed_jobs(now: datetime | None = None, schedule: dict | None = None) -> list[str]:
    now = now or timezone.now()
    missed = []
    for name, cron in daily_entries(schedule).items():
        tick = _last_tick(cron, now)
        if tick is None or now - tick < GRACE:
            continue  # beat may still be on it
        if not JobRun.objects.filter(job=name).exists():
            continue  # a new installation: the schedule starts it, not a make-up run
        ran_since = (
            JobRun.objects.filter(job=name, started_at__gte=tick - timedelta(minutes=1))
            .exclude(status__in=[JobRun.Status.FAILED, JobRun.Status.ABANDONED])
            .exists()
        )
        if not ran_since:
            missed.append(name)
    return sorted(missed)


def catch_up_missed_jobs(now: datetime | None = None) -> dict[str, int]:
    """Run every daily job whose last tick passed with no run; returns how many ran."""
    names = missed_jobs(now)
    for name in names:
        run_job(name, trigger="catch_up")
    return {"caught_up": len(names)}
