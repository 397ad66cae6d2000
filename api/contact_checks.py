"""The compliance engine as a gate for dialers and messaging platforms: may this contact
happen now? The same engine and the same facts as the collector's desk, for one loan or a
whole dialling list in a fixed number of queries."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils import timezone

from cases.models import PROFILE_PHONE_REGION, CollectionCase, ContactPoint, normalise_phone
from contacts import engine
from policy.codes import Channel

POINT_KINDS = {Channel.PHONE_CALL: "phone", Channel.SMS: "phone", Channel.EMAIL: "email", Channel.LETTER: "postal"}


class UnknownLoan(LookupError):
    pass


class UnknownDestination(LookupError):
    pass


def _cases(loan_numbers) -> dict[str, CollectionCase]:
    """Each loan's latest case, borrower and contact points loaded (two queries)."""
    found = {}
    cases = (
        CollectionCase.objects.filter(account__loan_number__in=set(loan_numbers))
        .select_related("account__borrower")
        .prefetch_related("account__borrower__contact_points")
        .order_by("pk")
    )
    for case in cases:
        found[case.account.loan_number] = case  # the latest wins
    return found


def _primary_point(case, channel) -> ContactPoint | None:
    kind = POINT_KINDS.get(channel)
    if kind is None:
        return None
    points = [
        p
        for p in case.account.borrower.contact_points.all()
        if p.kind == kind and p.owner == ContactPoint.Owner.BORROWER and not p.is_invalid
    ]
    return sorted(points, key=lambda p: (not p.is_primary, p.pk))[0] if points else None


def point_for(case, channel, destination: str) -> ContactPoint:
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
    point = next((p for p in case.account.borrower.contact_points.all() if p.kind == kind and p.value == value), None)
    if point is None:
        raise UnknownDestination(destination)
    return point


def case_for(loan_number: str) -> CollectionCase | None:
    """The loan's latest case with its borrower's contact points, or None."""
    return _cases([loan_number]).get(loan_number)


def decide(loan_number: str, channel: str, *, at=None, destination: str = "") -> tuple[CollectionCase, object]:
    case = _cases([loan_number]).get(loan_number)
    if case is None:
        raise UnknownLoan(loan_number)
    point = point_for(case, channel, destination) if destination else _primary_point(case, channel)
    return case, engine.evaluate_many([case], channel, at or timezone.now(), {case.pk: point})[case.pk]


def decide_many(loan_numbers, channel: str, *, at=None):
    """[(case, decision)] in the order asked, and the loan numbers not found."""
    cases = _cases(loan_numbers)
    known = [cases[number] for number in dict.fromkeys(loan_numbers) if number in cases]
    points = {case.pk: _primary_point(case, channel) for case in known}
    decisions = engine.evaluate_many(known, channel, at or timezone.now(), points) if known else {}
    unknown = [number for number in dict.fromkeys(loan_numbers) if number not in cases]
    return [(case, decisions[case.pk]) for case in known], unknown
