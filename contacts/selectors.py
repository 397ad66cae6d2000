"""Read queries for contacts: current profiles, the case timeline, the work queue."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
import time
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Min, Q
from django.utils import timezone

from .models import ContactAttempt, PolicyProfile


# The current profiles are read by every compliance decision and change a few times a
# year, so each process keeps them for a few seconds rather than asking the database on
# every check (check_contact is on the collectors' hot path). Saving or deleting a
# profile clears this process's copy at once (and again when the transaction commits);
# other processes (workers) see a new version within PROFILE_CACHE_SECONDS.
_profiles_cache: dict = {"loaded_at": None, "profiles": None}


def clear_profile_cache(**kwargs) -> None:
    _profiles_cache["loaded_at"] = _profiles_cache["profiles"] = None


def current_profiles_by_code() -> dict[str, PolicyProfile]:
    """Newest version of every profile (one query at most every PROFILE_CACHE_SECONDS).

    Callers must not modify the returned profiles: they are shared within the process.
    """
    loaded_at, profiles = _profiles_cache["loaded_at"], _profiles_cache["profiles"]
    clock = time.monotonic()
    if profiles is None or clock - loaded_at >= settings.PROFILE_CACHE_SECONDS:
        profiles = {}
        for profile in PolicyProfile.objects.order_by("code", "-version"):
            profiles.setdefault(profile.code, profile)
        _profiles_cache["loaded_at"], _profiles_cache["profiles"] = clock, profiles
    return profiles


def current_profile(code: str) -> PolicyProfile:
    """The newest version of the profile ``code``: the one that judges new decisions."""
    profile = current_profiles_by_code().get(code)
    if profile is None:
        raise ImproperlyConfigured(f"No policy profile {code!r}; run migrations.")
    return profile


@dataclass
class TimelineEntry:
    at: datetime
    borrower_local: str  # formatted here: template date filters would convert it back to server time
    kind: str
    actor: str
    summary: str
    blocked: bool = False
    overridden: bool = False
    reasons: tuple[str, ...] = ()


def borrower_zone(case) -> ZoneInfo:
    """The zone to show the borrower's local time in: the first of the candidate zones the
    engine judges calling hours in (home zone, contact points' zones, profile fallback)."""
    from .policy import candidate_zones

    borrower = case.account.borrower
    zones = candidate_zones(borrower, list(borrower.contact_points.all()), current_profile(borrower.policy_profile_code))
    return ZoneInfo(zones[0])


def case_timeline(case) -> list[TimelineEntry]:
    """Everything that happened on the case in time order: contact attempts (blocked ones
    marked), state changes, holds, promises, payments. Two queries."""
    zone = borrower_zone(case)

    def local(instant):
        moment = instant.astimezone(zone)
        return f"{moment:%Y-%m-%d %H:%M} {moment.tzname()}"

    entries = [
        TimelineEntry(at=event.at, borrower_local=local(event.at), kind=event.get_kind_display(),
                      actor=event.actor_label,
                      summary=(f"{event.from_state} → {event.to_state}. " if event.to_state else "") + event.reason)
        for event in case.events.select_related("actor")
    ]
    for attempt in case.contact_attempts.select_related("agent", "contact_point", "overridden_by"):
        if attempt.allowed:
            summary = attempt.get_outcome_display() + (f" — {attempt.note}" if attempt.note else "")
        else:
            summary = "Refused: " + " ".join(attempt.explanations)
        if attempt.was_overridden:
            summary += f" (override by {attempt.overridden_by.get_username()}: {attempt.override_reason})"
        entries.append(TimelineEntry(
            at=attempt.started_at, borrower_local=local(attempt.started_at),
            kind=attempt.get_channel_display(), actor=attempt.agent.get_username() if attempt.agent else "system",
            summary=summary, blocked=not attempt.allowed, overridden=attempt.was_overridden,
            reasons=tuple(attempt.reasons),
        ))
    return sorted(entries, key=lambda entry: entry.at)


def work_queue(agent, at: datetime | None = None):
    """The agent's open cases that may be phoned now, by priority (most overdue, largest
    balance, soonest promise), and the rest with the time each becomes contactable.

    A fixed number of queries whatever the queue's length: the decisions come from
    ``policy.evaluate_many``.
    """
    from cases.models import CaseState, CollectionCase, ContactPoint, PromiseToPay

    from . import policy
    from .models import Channel

    at = at or timezone.now()
    workable = [*(s for s in policy.LADDER if s != CaseState.NEW), CaseState.ARRANGEMENT]
    cases = list(
        CollectionCase.objects.filter(assigned_collector=agent, state__in=workable)
        .select_related("account__borrower")
        .annotate(promise_due=Min("promises__due_date", filter=Q(promises__status=PromiseToPay.Status.PENDING)))
    )
    phones = {}
    for point in ContactPoint.objects.filter(
            borrower__in={c.account.borrower_id for c in cases}, kind="phone", owner="borrower", is_invalid=False,
    ).order_by("-is_primary", "pk"):
        phones.setdefault(point.borrower_id, point)
    points = {case.pk: phones.get(case.account.borrower_id) for case in cases}
    decisions = policy.evaluate_many(cases, Channel.PHONE_CALL, at, points)
    now, later = [], []
    for case in cases:
        row = {"case": case, "phone": points[case.pk], "decision": decisions[case.pk]}
        (now if row["decision"].allowed and row["phone"] is not None else later).append(row)
    far_future = datetime.max.replace(tzinfo=timezone.get_current_timezone())
    now.sort(key=lambda r: (-r["case"].account.days_past_due, -r["case"].account.outstanding_total,
                            r["case"].promise_due or far_future.date()))
    later.sort(key=lambda r: r["decision"].next_allowed_at or far_future)
    return now, later


def recent_attempts(case, limit=20):
    return ContactAttempt.objects.filter(case=case).select_related("agent")[:limit]
