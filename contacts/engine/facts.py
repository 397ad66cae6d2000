"""
Gathering the facts the compliance engine's rules judge, for one case or a whole work
queue in a fixed handful of queries (counts are SQL aggregates, never a Python loop over
the contact history), so the cost does not grow with the history or the queue; and the
entry points ``evaluate`` and ``evaluate_many``.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import NamedTuple

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import CollectionCase, ContactPoint, Hold
from cases.selectors import candidate_zones
from policy.codes import BORROWER_REACHED, CHANNEL_POINT_KIND, FAILED_REMOTE, Channel
from policy.selectors import current_profiles_by_code

from ..models import ChannelOptOut, ContactAttempt
from .consent import LEDGER_KINDS, assign_ledgers, ledger_sql
from .counts import load_counts
from .points import contact_points_of, contact_points_sql, points_from_rows
from .rules import (
    HISTORY_WINDOW,
    ContactRequestError,
    Decision,
    Facts,
    decide,
)
from .sql import from_db as _from_db
from .sql import instant, one_of, run_together
from .sql import to_db as _to_db

# --- loading the facts -----------------------------------------------------------------


def _check_channel(channel):
    if channel not in Channel.values:
        raise ContactRequestError(_("Unknown channel %(channel)r.") % {"channel": channel})


def _check_request(case, channel, point, template):
    if point is not None:
        if point.borrower_id != case.account.borrower_id:
            raise ContactRequestError(_("That contact point belongs to another borrower."))
        if point.kind != CHANNEL_POINT_KIND[channel]:
            raise ContactRequestError(
                _("A %(lower)s needs a %(value)s contact point, not a %(kind)s.")
                % {"lower": Channel(channel).label.lower(), "value": CHANNEL_POINT_KIND[channel], "kind": point.kind}
            )
    if template is not None and template.channel != channel:
        raise ContactRequestError(
            _("Template %(code)s is for %(channel)s, not %(channel2)s.")
            % {"code": template.code, "channel": template.channel, "channel2": channel}
        )


def load_facts(cases, channel: str, at: datetime, points: dict, template=None, borrower_points=None) -> list[Facts]:
    """Facts for ``channel`` at ``at`` for each case, in a fixed number of queries (one
    round trip on PostgreSQL).

    ``cases`` must come with ``account__borrower`` selected; ``points`` maps a case id to
    the contact point to be used (or None). ``borrower_points`` (borrower id to their
    contact points), when the caller already read them, saves reading them again.
    """
    cases = list(cases)
    if not cases:
        return []
    _check_channel(channel)
    return _load([(case, channel, points.get(case.pk)) for case in cases], at, template, borrower_points)


def load_route_facts(case, routes, at: datetime) -> list[Facts]:
    """Facts for one case over several routes, each a (channel, contact point) pair: what
    every route shares (holds, opt-outs of every channel asked, the consent ledger, the
    counted attempts) is read once, in the queries a single check costs."""
    routes = list(routes)
    if not routes:
        return []
    for channel, _point in routes:
        _check_channel(channel)
    return _load([(case, channel, point) for channel, point in routes], at, None, None)


def _load(requests, at: datetime, template, borrower_points) -> list[Facts]:
    """Facts for each (case, channel, contact point) request, reading what they share once."""
    cases = list({case.pk: case for case, _channel, _point in requests}.values())
    channels = sorted({channel for _case, channel, _point in requests})
    profiles = current_profiles_by_code()
    borrower_ids = {case.account.borrower_id for case in cases}
    case_ids = [case.pk for case in cases]

    if borrower_points is None:
        borrower_points = _prefetched_points(cases)
    statements = [
        _holds_and_opt_outs_sql(case_ids, borrower_ids, channels, at, template),
        _counted_attempts_sql(borrower_ids, at),
    ]
    read_points = borrower_points is None and connection.vendor == "postgresql"
    if read_points:
        statements.append(contact_points_sql(borrower_ids))
    elif borrower_points is None:
        borrower_points = contact_points_of(borrower_ids)
    union_rows, attempt_rows, *point_rows = run_together(statements)
    if read_points:
        borrower_points = points_from_rows(point_rows[0])
    holds_by_case, opt_outs, contacted, ledger_rows = _holds_and_opt_outs(union_rows)

    # Facts of one batch share what depends only on the batch's instant and a borrower's
    # profile and zones (the contact window, local midnights): computed once per batch.
    shared, zones_of = {}, {}
    facts = []
    for case, channel, point in requests:
        borrower = case.account.borrower
        profile = profiles[borrower.policy_profile_code]
        _check_request(case, channel, point, template)
        own_points = borrower_points.get(borrower.pk, [])
        zones = candidate_zones(borrower, own_points, profile)
        zones = zones_of.setdefault(zones, zones)
        facts.append(
            Facts(
                case=case,
                channel=channel,
                at=at,
                profile=profile,
                contact_point=point,
                template=template,
                zones=zones,
                borrower_points=own_points,
                active_holds=holds_by_case.get(case.pk, []),
                opted_out=(channel, borrower.pk, None) in opt_outs
                or (point is not None and (channel, borrower.pk, point.pk) in opt_outs),
                outstanding=case.account.outstanding_total,
                case_contacted=case.pk in contacted,
                memo=shared,
            )
        )
    load_counts(facts, attempt_rows, _from_db)
    assign_ledgers(facts, ledger_rows, _from_db)
    _load_third_party_facts([f for f in facts if f.contact_point and f.contact_point.owner == "third_party"])
    return facts


def _prefetched_points(cases) -> dict[int, list[ContactPoint]] | None:
    """Each borrower's contact points when the caller prefetched them (a case page does)."""
    borrowers = [case.account.borrower for case in cases]
    if all("contact_points" in getattr(b, "_prefetched_objects_cache", {}) for b in borrowers):
        return {b.pk: list(b.contact_points.all()) for b in borrowers}
    return None


def _holds_and_opt_outs_sql(case_ids, borrower_ids, channels, at, template) -> tuple[str, list]:
    """The cases' active holds, the borrowers' opt-outs from ``channels``, which cases were
    ever contacted (the first contact must name the lender: only asked when a template is
    judged, the only time the rule reads it) and the borrowers' consent ledgers, in one
    statement: rows are (kind of row, key, text, instant, contact point, scope) — a hold's
    kind and end; an opt-out's point; a ledger line's channel, instant, point and scope
    (contacts/engine/consent.py)."""
    consent_sql, consent_params = ledger_sql(borrower_ids)
    holds_where, holds_params = one_of("case_id", case_ids)
    opt_outs_where, opt_outs_params = one_of("borrower_id", borrower_ids)
    channels_where, channels_params = one_of("channel", channels)
    sql = (
        f"SELECT 'hold', case_id, kind, {instant('ends_at')}, NULL, '' FROM {Hold._meta.db_table} "
        f"WHERE {holds_where} AND released_at IS NULL AND starts_at <= %s "
        f"AND (ends_at IS NULL OR ends_at > %s) "
        f"UNION ALL "
        f"SELECT 'opt_out', borrower_id, channel, NULL, contact_point_id, '' FROM {ChannelOptOut._meta.db_table} "
        f"WHERE {opt_outs_where} AND {channels_where} "
        f"UNION ALL "
    )
    params = [*holds_params, _to_db(at), _to_db(at), *opt_outs_params, *channels_params]
    if template is not None:
        contacted_where, contacted_params = one_of("case_id", case_ids)
        sql += (
            # DISTINCT inside: on PostgreSQL a DISTINCT select types its bare NULLs as text,
            # which the hold rows' end instants cannot be matched with.
            f"SELECT 'contacted', contacted.case_id, '', NULL, NULL, '' FROM (SELECT DISTINCT case_id "
            f"FROM {ContactAttempt._meta.db_table} "
            f"WHERE {contacted_where} AND allowed AND direction = %s) contacted "
            f"UNION ALL "
        )
        params += [*contacted_params, ContactAttempt.Direction.OUTBOUND]
    return sql + consent_sql, params + consent_params


class ActiveHold(NamedTuple):
    """An active hold as the rules read it (kind and end): a Hold instance per row set
    every field's default, ``timezone.now()`` among them, for each hold of a batch."""

    case_id: int
    kind: str
    ends_at: datetime | None


def _holds_and_opt_outs(rows) -> tuple[dict[int, list[ActiveHold]], set, set, list]:
    holds_by_case, opt_outs, contacted, ledger_rows = defaultdict(list), set(), set(), []
    for row in rows:
        row_kind, key, text, instant, point_id, _scope = row
        if row_kind == "hold":
            holds_by_case[key].append(ActiveHold(key, text, _from_db(instant)))
        elif row_kind == "opt_out":
            opt_outs.add((text, key, point_id))
        elif row_kind == "contacted":
            contacted.add(key)
        elif row_kind in LEDGER_KINDS:
            ledger_rows.append(row)
    return holds_by_case, opt_outs, contacted, ledger_rows


def _counted_attempts_sql(borrower_ids, at) -> tuple[str, list]:
    """Contacts that happened (allowed, outbound) in the history window the caps look at,
    as plain rows: (borrower, case, contact point, channel, outcome, started_at,
    conversation, contact point is a workplace, account).

    Up to ``at`` or now, whichever is later: a call logged after the fact must not slip
    under a cap because the calls that followed it are already on record.
    """
    attempts, points = ContactAttempt._meta.db_table, ContactPoint._meta.db_table
    cases = CollectionCase._meta.db_table
    where, params = one_of("a.borrower_id", borrower_ids)
    # The point's workplace flag and the case's account are read per attempt row (a few
    # dozen rows per borrower), not joined: for a batch of borrowers the planner's row
    # estimate made PostgreSQL merge-join the whole case table (100 ms for 200 borrowers
    # of a million-case book, against a few for these lookups).
    sql = (
        f"SELECT a.borrower_id, a.case_id, a.contact_point_id, a.channel, a.outcome, {instant('a.started_at')}, "
        f"a.conversation, (SELECT p.is_workplace FROM {points} p WHERE p.id = a.contact_point_id), "
        f"(SELECT c.account_id FROM {cases} c WHERE c.id = a.case_id) FROM {attempts} a "
        f"WHERE {where} AND a.allowed AND a.direction = %s "
        f"AND a.started_at > %s AND a.started_at <= %s"
    )
    return sql, [
        *params,
        ContactAttempt.Direction.OUTBOUND,
        _to_db(at - HISTORY_WINDOW),
        _to_db(max(at, timezone.now())),
    ]


def _load_third_party_facts(facts: list[Facts]):
    """Third-party contacts so far, and whether the borrower counts as unreachable."""
    for f in facts:  # third-party contacts are rare and judged one at a time
        f.third_party_contacts = ContactAttempt.objects.filter(
            contact_point_id=f.contact_point.pk, allowed=True, direction=ContactAttempt.Direction.OUTBOUND
        ).count()
        own_phones = [p for p in f.borrower_points if p.kind == "phone" and p.owner == ContactPoint.Owner.BORROWER]
        needed = f.profile.unreachable_failed_calls
        recent = list(
            ContactAttempt.objects.filter(
                borrower_id=f.case.account.borrower_id,
                channel=Channel.PHONE_CALL,
                allowed=True,
                contact_point__owner=ContactPoint.Owner.BORROWER,
                started_at__lte=f.at,
            )
            .order_by("-started_at")
            .values_list("outcome", flat=True)[:needed]
        )
        all_invalid = bool(own_phones) and all(p.is_invalid for p in own_phones)
        f.borrower_unreachable = all_invalid or (len(recent) == needed and all(o in FAILED_REMOTE for o in recent))


# --- entry points ------------------------------------------------------------------------


def evaluate(case, channel, at=None, contact_point=None, agent=None, template=None) -> Decision:
    """May ``channel`` contact about ``case`` happen at ``at`` (default now), through
    ``contact_point``, using ``template``? ``agent`` is who would make it."""
    at = at or timezone.now()
    if timezone.is_naive(at):
        raise ContactRequestError(_("The instant must be timezone-aware."))
    if not hasattr(case, "_state") or "account" not in case._state.fields_cache:
        case = CollectionCase.objects.select_related("account__borrower").get(pk=case.pk)
    (facts,) = load_facts([case], channel, at, {case.pk: contact_point}, template)
    return decide(facts)


def evaluate_routes(case, routes, at=None) -> list[Decision]:
    """May each (channel, contact point) route be used about ``case`` at ``at`` (default
    now)? One decision per route, in order; the facts the routes share are read once (the
    case desk's banner judges every way to reach the borrower)."""
    at = at or timezone.now()
    if timezone.is_naive(at):
        raise ContactRequestError(_("The instant must be timezone-aware."))
    return [decide(f) for f in load_route_facts(case, routes, at)]


def evaluate_many(cases, channel, at=None, points=None, borrower_points=None) -> dict[int, Decision]:
    """Decisions for many cases at once (work queues), in a fixed number of queries
    (``borrower_points``: as ``load_facts`` takes them)."""
    at = at or timezone.now()
    return {f.case.pk: decide(f) for f in load_facts(cases, channel, at, points or {}, borrower_points=borrower_points)}


def reached_borrower(outcome: str) -> bool:
    return outcome in BORROWER_REACHED
