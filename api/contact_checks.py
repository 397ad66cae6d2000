"""The compliance engine as a gate for dialers and messaging platforms: may this contact
happen now? The same engine and the same facts as the collector's desk, for one loan or a
whole dialling list in a fixed number of queries."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models.base import ModelState
from django.db.models.expressions import RawSQL
from django.utils import timezone

from cases.models import PROFILE_PHONE_REGION, Borrower, CollectionCase, ContactPoint, LoanAccount, normalise_phone
from contacts import engine
from policy.codes import Channel

POINT_KINDS = {Channel.PHONE_CALL: "phone", Channel.SMS: "phone", Channel.EMAIL: "email", Channel.LETTER: "postal"}


# The columns a check reads (the rules, the borrower's zones and profile, the answer's
# loan number), by the model whose instance holds them and the lookup that reads them. A
# rule that reads another column still gets it, one query per case (as with ``only()``),
# so add it here when a rule starts to.
CHECKED_COLUMNS = (
    (CollectionCase, {"id": "id", "account_id": "account", "state": "state", "ladder_rung": "ladder_rung"}),
    (
        LoanAccount,
        {
            "id": "account__id",
            "borrower_id": "account__borrower",
            "loan_number": "account__loan_number",
            "outstanding_principal": "account__outstanding_principal",
            "outstanding_interest": "account__outstanding_interest",
            "outstanding_fees": "account__outstanding_fees",
        },
    ),
    (
        Borrower,
        {
            "id": "account__borrower__id",
            "home_time_zone": "account__borrower__home_time_zone",
            "policy_profile_code": "account__borrower__policy_profile_code",
        },
    ),
)


class UnknownLoan(LookupError):
    pass


class UnknownDestination(LookupError):
    pass


def _cases(loan_numbers) -> tuple[dict[str, CollectionCase], dict[int, list[ContactPoint]]]:
    """Each loan's latest case with its account and borrower, and the borrowers' contact
    points (two queries). The cases are read as plain rows and made into instances holding
    only ``CHECKED_COLUMNS``: a case, an account and a borrower built by the ORM for each of
    a batch's 1,000 loans (every column, each instance's init signals, django-fsm's
    snapshot of the initial state) were a third of the batch. The points are read by the
    engine's own plain query rather than prefetched: a prefetch builds a filtered queryset
    per borrower, which for a list of 1,000 loans cost more than judging them."""
    found = {}
    lookups = [lookup for _model, columns in CHECKED_COLUMNS for lookup in columns.values()]
    rows = CollectionCase.objects.filter(account__loan_number__in=_one_of(set(loan_numbers))).order_by("pk")
    for row in rows.values_list(*lookups):
        case, account, borrower = _instances(row)
        account._state.fields_cache["borrower"] = borrower
        case._state.fields_cache["account"] = account
        case._update_initial_state()  # django-fsm's guard against concurrent transitions
        found[account.loan_number] = case  # the latest wins
    points = engine.contact_points_of({case.account.borrower_id for case in found.values()}) if found else {}
    return found, points


def _instances(row) -> list:
    """The row's case, account and borrower, each with its ``CHECKED_COLUMNS`` only (the
    others read on access, as a deferred field is)."""
    instances, start = [], 0
    for model, columns in CHECKED_COLUMNS:
        instance = model.__new__(model)
        instance.__dict__.update(zip(columns, row[start : start + len(columns)], strict=True))
        start += len(columns)
        instance._state = ModelState()
        instance._state.adding, instance._state.db = False, connection.alias
        instances.append(instance)
    return instances


def _one_of(values):
    """A list to match with ``__in``: on PostgreSQL one array parameter (a thousand
    placeholders cost psycopg more to bind than the query costs to answer)."""
    if connection.vendor == "postgresql":
        return RawSQL("SELECT unnest(%s::text[])", [list(values)])
    return values


def _primary_point(points, channel) -> ContactPoint | None:
    kind = POINT_KINDS.get(channel)
    if kind is None:
        return None
    points = [p for p in points if p.kind == kind and p.owner == ContactPoint.Owner.BORROWER and not p.is_invalid]
    return sorted(points, key=lambda p: (not p.is_primary, p.pk))[0] if points else None


def point_for(case, channel, destination: str, points=None) -> ContactPoint:
    """The borrower's contact point of ``channel`` at ``destination`` (``points``: the
    borrower's contact points when read already)."""
    kind = POINT_KINDS.get(channel)
    value = destination.strip()
    if kind == "phone":
        region = PROFILE_PHONE_REGION.get(case.account.borrower.policy_profile_code, "CN")
        try:
            value = normalise_phone(value, region)[0]
        except ValidationError:
            raise UnknownDestination(destination) from None
    elif kind == "email":
        value = value.lower()
    if points is None:
        points = case.account.borrower.contact_points.all()
    point = next((p for p in points if p.kind == kind and p.value == value), None)
    if point is None:
        raise UnknownDestination(destination)
    return point


def case_for(loan_number: str) -> CollectionCase | None:
    """The loan's latest case with its borrower's contact points, or None."""
    return (
        CollectionCase.objects.filter(account__loan_number=loan_number)
        .select_related("account__borrower")
        .prefetch_related("account__borrower__contact_points")
        .order_by("pk")
        .last()
    )


def decide(loan_number: str, channel: str, *, at=None, destination: str = "") -> tuple[CollectionCase, object]:
    cases, points = _cases([loan_number])
    case = cases.get(loan_number)
    if case is None:
        raise UnknownLoan(loan_number)
    own = points.get(case.account.borrower_id, [])
    point = point_for(case, channel, destination, own) if destination else _primary_point(own, channel)
    decisions = engine.evaluate_many([case], channel, at or timezone.now(), {case.pk: point}, borrower_points=points)
    return case, decisions[case.pk]


def decide_many(loan_numbers, channel: str, *, at=None):
    """[(case, decision)] in the order asked, and the loan numbers not found."""
    cases, points = _cases(loan_numbers)
    known = [cases[number] for number in dict.fromkeys(loan_numbers) if number in cases]
    chosen = {case.pk: _primary_point(points.get(case.account.borrower_id, []), channel) for case in known}
    decisions = (
        engine.evaluate_many(known, channel, at or timezone.now(), chosen, borrower_points=points) if known else {}
    )
    unknown = [number for number in dict.fromkeys(loan_numbers) if number not in cases]
    return [(case, decisions[case.pk]) for case in known], unknown
