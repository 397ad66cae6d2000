"""
Who works which case: a supervisor's bulk assignment (the case list's action) and the
allocation rule that gives every new case a collector (the nightly cycle, or on demand).

Both are set-based, as the nightly cycle is: the cases are read in one query, decided in
Python, written with one UPDATE per collector and batch, and each case keeps its record —
a CaseEvent (a code and its parameters, written in the reader's language when read) and
a history row with the change reason, queued for the audit ledger in the same transaction.

The allocation rule: least-loaded round robin. Each open unassigned case goes to the
collector with the fewest open cases (then the lowest user id) among those whose team
row takes new cases and takes the borrower's language, the account's region (the
borrower's when the account has none; compared case-insensitively) and the borrower's
policy profile — an empty list takes any. The load counts as it goes, so equally
eligible collectors end at most one case apart. A case nobody may take stays unassigned
and is counted.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
import heapq

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from audit.ledger import ledger_append_many, sealing_deferred

from ..event_text import EventCode
from ..exceptions import AssignmentError, ClosedCasesRefused, ReasonRequired
from ..models import CLOSED_STATES, CaseEvent, CollectionCase, TeamMember
from .access import _require
from .case import COLLECTOR_GROUP

BATCH = 5000
REASON_LENGTH = 100  # a history row's change reason


def _chunks(items: list, size: int = BATCH):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _case_ids(cases_or_ids) -> list[int]:
    if isinstance(cases_or_ids, QuerySet):
        return list(cases_or_ids.order_by().values_list("pk", flat=True))
    return [getattr(item, "pk", item) for item in cases_or_ids]


def _is_active_collector(user) -> bool:
    return user is not None and user.is_active and user.groups.filter(name=COLLECTOR_GROUP).exists()


def _record(cases: list[CollectionCase], events: list[CaseEvent], *, by, why: str, now: datetime) -> None:
    """The events and history rows of cases just reassigned by an UPDATE, queued for the
    audit ledger (bulk writes send no signal)."""
    written = CaseEvent.objects.bulk_create(events, batch_size=1000)
    history = CollectionCase.history.bulk_history_create(
        cases, update=True, default_user=by, default_change_reason=why[:REASON_LENGTH], default_date=now
    )
    ledger_append_many([*written, *history])


# --- bulk assignment ---------------------------------------------------------------------


def assign_cases(cases_or_ids: Iterable, collector, *, by, reason: str) -> int:
    """Give ``collector`` every case of ``cases_or_ids`` (cases, ids or a queryset), as
    ``by``, for the ``reason`` typed; returns how many changed hands (a case already the
    collector's is left as it is). All or nothing: a closed case among them refuses the
    whole batch (ClosedCasesRefused, saying how many)."""
    _require(by, "cases.assign_case", "assign cases")
    reason = (reason or "").strip()
    if not reason:
        raise ReasonRequired(_("Say why these cases change hands: the reason is kept with each case."))
    if not _is_active_collector(collector):
        raise AssignmentError(
            _("%(username)s is not an active collector.")
            % {"username": collector.get_username() if collector else _("nobody")}
        )
    ids = _case_ids(cases_or_ids)
    now = timezone.now()
    moved = 0
    with transaction.atomic(), sealing_deferred():
        rows = []
        for chunk in _chunks(ids):
            rows += (
                CollectionCase.objects.select_for_update()
                .filter(pk__in=chunk)
                .values_list("pk", "state", "assigned_collector_id")
            )
        closed = sum(state in CLOSED_STATES for _pk, state, _was in rows)
        if closed:
            raise ClosedCasesRefused(
                ngettext(
                    "%(count)s of the cases is closed and cannot be reassigned; leave it out and try again.",
                    "%(count)s of the cases are closed and cannot be reassigned; leave them out and try again.",
                    closed,
                )
                % {"count": closed},
                count=closed,
            )
        previous = {pk: was for pk, _state, was in rows if was != collector.pk}
        names = dict(get_user_model().objects.filter(pk__in=set(previous.values())).values_list("pk", "username"))
        for chunk in _chunks(sorted(previous)):
            CollectionCase.objects.filter(pk__in=chunk).update(assigned_collector=collector)
            cases = list(CollectionCase.objects.filter(pk__in=chunk))
            events = [
                CaseEvent(
                    case_id=pk,
                    at=now,
                    kind=CaseEvent.Kind.ASSIGNMENT,
                    actor=by,
                    code=EventCode.ASSIGNED,
                    params={"previous": names.get(previous[pk], ""), "collector": collector.get_username()},
                    reason=reason,
                )
                for pk in chunk
            ]
            _record(cases, events, by=by, why=f"assigned in bulk: {reason}", now=now)
            moved += len(chunk)
    return moved


# --- the allocation rule -------------------------------------------------------------------


def eligible_members() -> list[TeamMember]:
    """Team rows that take new cases, of active collectors."""
    return list(
        TeamMember.objects.filter(
            takes_new_cases=True, user__is_active=True, user__groups__name=COLLECTOR_GROUP
        ).select_related("user")
    )


def open_loads(user_ids) -> dict[int, int]:
    """Open cases assigned to each of ``user_ids``: one grouped query."""
    counts = (
        CollectionCase.objects.open()
        .filter(assigned_collector__in=user_ids)
        .order_by()
        .values_list("assigned_collector")
        .annotate(count=Count("pk"))
    )
    return {user_id: 0 for user_id in user_ids} | dict(counts)


class _LeastLoaded:
    """The least-loaded collector for each kind of case (language, region, profile), ties
    to the lowest user id. One heap per kind over the collectors who take it; loads are
    shared between kinds, so an entry whose load has gone up since it was pushed is pushed
    again with its load now (loads only grow)."""

    def __init__(self, members: list[TeamMember], load: dict[int, int]):
        self.members = members
        self.load = load
        self.heaps: dict[tuple, list[tuple[int, int]]] = {}

    def pick(self, language: str, region: str, profile: str) -> int | None:
        key = (language, region.strip().lower(), profile)
        heap = self.heaps.get(key)
        if heap is None:
            heap = [
                (self.load[member.user_id], member.user_id)
                for member in self.members
                if member.takes(language=language, region=region, profile=profile)
            ]
            heapq.heapify(heap)
            self.heaps[key] = heap
        while heap:
            load, user_id = heap[0]
            if load == self.load[user_id]:
                self.load[user_id] += 1
                heapq.heapreplace(heap, (load + 1, user_id))
                return user_id
            heapq.heapreplace(heap, (self.load[user_id], user_id))
        return None


def allocate_new_cases(now: datetime | None = None, *, by=None) -> dict[str, int]:
    """Give every open unassigned case a collector by the allocation rule (module
    docstring); ``by`` is the supervisor who asked, None for the nightly cycle."""
    _require(by, "cases.assign_case", "allocate cases")
    now = now or timezone.now()
    allocated = 0
    with transaction.atomic(), sealing_deferred():
        members = eligible_members()
        username = {member.user_id: member.user.get_username() for member in members}
        rule = _LeastLoaded(members, open_loads(list(username)))
        rows = list(
            CollectionCase.objects.open()
            .filter(assigned_collector__isnull=True)
            .select_for_update(of=("self",))
            .order_by("pk")
            .values_list(
                "pk",
                "account__borrower__language",
                "account__region",
                "account__borrower__region",
                "account__borrower__policy_profile_code",
            )
        )
        decided: dict[int, tuple[int, dict]] = {}
        for pk, language, account_region, borrower_region, profile in rows:
            region = account_region or borrower_region or ""
            user_id = rule.pick(language, region, profile)
            if user_id is not None:
                params = {
                    "collector": username[user_id],
                    "language": language,
                    "region": region,
                    "profile": profile,
                    "load": rule.load[user_id] - 1,
                }
                decided[pk] = (user_id, params)
        for chunk in _chunks(sorted(decided)):
            allocated += _write_allocation(chunk, decided, by=by, now=now)
    return {"allocated": allocated, "no_eligible_collector": len(rows) - len(decided)}


def _write_allocation(chunk: list[int], decided: dict, *, by, now: datetime) -> int:
    """One UPDATE per collector (only on cases still unassigned), then the records of the
    cases that did change hands."""
    per_collector = defaultdict(list)
    for pk in chunk:
        per_collector[decided[pk][0]].append(pk)
    for user_id, ids in per_collector.items():
        CollectionCase.objects.filter(pk__in=ids, assigned_collector__isnull=True).update(assigned_collector_id=user_id)
    cases = [
        case
        for case in CollectionCase.objects.filter(pk__in=chunk)
        if case.assigned_collector_id == decided[case.pk][0]
    ]
    events = [
        CaseEvent(
            case_id=case.pk,
            at=now,
            kind=CaseEvent.Kind.ASSIGNMENT,
            actor=by,
            code=EventCode.ALLOCATED_BY_RULE,
            params=decided[case.pk][1],
        )
        for case in cases
    ]
    _record(cases, events, by=by, why="allocated by rule", now=now)
    return len(cases)
