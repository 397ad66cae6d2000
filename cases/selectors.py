"""Read queries for cases, with the row-level visibility rules in one place; the
borrower's time zones; the case timeline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from accounts.access import group_names
from core.when import local_datetime
from policy.selectors import current_profile

from . import event_text
from .models import Borrower, CollectionCase, ContactPoint, LoanAccount, TeamMember

# Roles that work the whole book (everyone else sees only what is theirs).
WHOLE_BOOK_GROUPS = ("Supervisor", "Compliance reviewer", "Administrator")


def sees_whole_book(user) -> bool:
    if user.is_superuser:
        return True
    return not group_names(user).isdisjoint(WHOLE_BOOK_GROUPS)


def visible_cases(user) -> QuerySet[CollectionCase]:
    """Cases ``user`` may open: all for supervisors and reviewers, a collector's own
    assigned cases, nothing else (field agents reach cases through their visits)."""
    cases = CollectionCase.objects.all()
    if sees_whole_book(user):
        return cases
    if "Field agent" in group_names(user):
        # A field agent sees a case only while one of their visits to it is live (approved,
        # announced or under way): the report is filed as the visit ends, so once it is
        # completed, aborted or called off the borrower's file is closed to them again.
        # The visits app's own QuerySet says which visits are live, reached by the reverse
        # relation (visits builds on cases, not the other way round).
        visits = CollectionCase._meta.get_field("field_visits").related_model.objects
        return cases.filter(pk__in=visits.live().filter(agents__user=user).values("case_id"))
    return cases.filter(assigned_collector=user)


def team_of(supervisor) -> QuerySet:
    """The users in the team ``supervisor`` leads (TeamMember.supervisor)."""
    return get_user_model().objects.filter(team_member__supervisor=supervisor)


def supervises(supervisor, user) -> bool:
    """Whether ``user`` is in the team ``supervisor`` leads."""
    if supervisor is None or user is None or supervisor.pk is None:
        return False
    return TeamMember.objects.filter(supervisor=supervisor, user=user).exists()


def team_cases(supervisor) -> QuerySet[CollectionCase]:
    """The cases assigned to a collector of the team ``supervisor`` leads."""
    return CollectionCase.objects.filter(assigned_collector__team_member__supervisor=supervisor)


def visible_accounts(user) -> QuerySet[LoanAccount]:
    if sees_whole_book(user):
        return LoanAccount.objects.all()
    return LoanAccount.objects.filter(cases__in=visible_cases(user)).distinct()


def visible_borrowers(user) -> QuerySet[Borrower]:
    if sees_whole_book(user):
        return Borrower.objects.all()
    return Borrower.objects.filter(accounts__cases__in=visible_cases(user)).distinct()


def visible_contact_points(user) -> QuerySet[ContactPoint]:
    if sees_whole_book(user):
        return ContactPoint.objects.all()
    return ContactPoint.objects.filter(borrower__in=visible_borrowers(user))


def case_page(case_id):
    """The case with everything its page shows, fetched up front."""
    return (
        CollectionCase.objects.select_related("account__borrower", "assigned_collector")
        .prefetch_related("holds", "promises", "repayment_plans", "account__borrower__contact_points")
        .get(pk=case_id)
    )


# --- time zones and the timeline -------------------------------------------------------------


def candidate_zones(borrower, points, profile) -> tuple[str, ...]:
    """The borrower's home zone and every zone their contact points suggest; the profile's
    fallback zones when nothing is known. The compliance engine judges calling hours in
    all of them."""
    zones = {borrower.home_time_zone} if borrower.home_time_zone else set()
    zones |= {point.time_zone for point in points if point.time_zone and point.owner == ContactPoint.Owner.BORROWER}
    if not zones:
        zones = set(profile.fallback_time_zones.split())
    ordered = [borrower.home_time_zone] if borrower.home_time_zone else []
    return tuple(ordered + sorted(zones - set(ordered)))


def borrower_zone(case) -> ZoneInfo:
    """The zone to show the borrower's local time in: the first of the candidate zones the
    engine judges calling hours in (home zone, contact points' zones, profile fallback)."""
    borrower = case.account.borrower
    zones = candidate_zones(
        borrower, list(borrower.contact_points.all()), current_profile(borrower.policy_profile_code)
    )
    return ZoneInfo(zones[0])


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


def case_timeline(case) -> list[TimelineEntry]:
    """Everything that happened on the case in time order: state changes, holds, promises,
    payments, and the contact attempts (blocked ones marked), which the contacts app
    renders through its reverse relation (``ContactAttemptQuerySet.timeline_entries``).
    Two queries."""
    zone = borrower_zone(case)

    def local(instant):
        return local_datetime(instant, zone, show_zone=True)

    entries = [
        TimelineEntry(
            at=event.at,
            borrower_local=local(event.at),
            kind=event.get_kind_display(),
            actor=event.actor_label,
            summary=event_text.summary(event),
        )
        for event in case.events.select_related("actor")
    ]
    entries += case.contact_attempts.timeline_entries(local)
    return sorted(entries, key=lambda entry: entry.at)
