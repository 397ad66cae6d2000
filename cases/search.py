"""
Finding a case the way staff type it: a loan number (whole or in part), a phone number in
any common format, a national ID, or any part of a borrower's name ("Thomas" finds "Anna
Thomas").

The term is recognised first (a couple of single-row index lookups), and then only the
matching condition is applied, each on an index: an OR of conditions across the case,
account, borrower and contact-point tables would make the database scan every case
(seconds at a million cases). Parts of names and loan numbers are found through trigram
indexes on PostgreSQL (pg_trgm GIN, cases/migrations/0019); SQLite scans, which the
embedded default's book size allows. Terms shorter than a trigram match names from their
start only.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
import phonenumbers

from .models import Borrower, CollectionCase, ContactPoint, LoanAccount

# Numbers typed without a country code are read as Chinese numbers, the lender's home market.
DEFAULT_PHONE_REGION = "CN"


def as_phone(term: str) -> str | None:
    """``term`` as an E.164 phone number, if it looks like one."""
    if not any(ch.isdigit() for ch in term) or any(ch.isalpha() for ch in term):
        return None
    try:
        number = phonenumbers.parse(term, DEFAULT_PHONE_REGION)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def name_prefix(term: str) -> Q:
    """Names starting with ``term``, as typed or capitalised ("wang" finds "Wang Fang"):
    each variant is a prefix scan of the name's pattern index."""
    variants = {term, term.capitalize(), term.title(), term.upper()}
    condition = Q()
    for variant in variants:
        condition |= Q(full_name__startswith=variant)
    return condition


# A trigram index answers substring searches of at least three characters; shorter ones
# would scan the table.
SUBSTRING_MIN_LENGTH = 3


def identifier_owners(term: str) -> tuple[str, list[int]]:
    """When ``term`` is a whole national ID, phone number or e-mail address on file: what
    it is ("national ID", "phone", "e-mail") and the ids of the borrowers it names; else
    ("", [])."""
    term = " ".join(term.split())
    if not term:
        return "", []
    owners = list(Borrower.objects.filter(national_id=term).values_list("pk", flat=True))
    if owners:
        return "national ID", owners
    if "@" in term:
        what, points = "e-mail", ContactPoint.objects.filter(kind=ContactPoint.Kind.EMAIL, value=term.lower())
    elif (phone := as_phone(term)) is not None:
        what, points = "phone", ContactPoint.objects.filter(kind=ContactPoint.Kind.PHONE, value=phone)
    else:
        return "", []
    return what, list(points.values_list("borrower_id", flat=True).distinct())


def search_cases(cases: QuerySet[CollectionCase], term: str) -> QuerySet[CollectionCase]:
    """The cases among ``cases`` that ``term`` designates."""
    term = " ".join(term.split())
    if not term:
        return cases
    if LoanAccount.objects.filter(loan_number=term).exists():
        return cases.filter(account__loan_number=term)
    if Borrower.objects.filter(national_id=term).exists():
        return cases.filter(account__borrower__national_id=term)
    phone = as_phone(term)
    if phone is not None:
        owners = ContactPoint.objects.filter(kind=ContactPoint.Kind.PHONE, value=phone).values("borrower_id")
        # Digits that are no number on file may be part of a loan number ("000061").
        if owners.exists():
            return cases.filter(account__borrower_id__in=owners)
    if len(term) < SUBSTRING_MIN_LENGTH:
        return cases.filter(account__borrower_id__in=Borrower.objects.filter(name_prefix(term)).values("pk"))
    # Any part of the name, or part of a loan number ("DEMO-00006"): both on trigram
    # indexes, combined on the account table (a bitmap OR of two index scans).
    named = Borrower.objects.filter(full_name__icontains=term).values("pk")
    accounts = LoanAccount.objects.filter(Q(borrower_id__in=named) | Q(loan_number__icontains=term))
    return cases.filter(account_id__in=accounts.values("pk"))
