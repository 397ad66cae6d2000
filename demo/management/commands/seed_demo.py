"""
Demo users for every role and a book of a few hundred cases over every rung and side
state. Idempotent: users are kept (their demo password reset), the book is created
once. Cases climb the ladder through the real services, so their events and history
are what the product itself writes.

The steps live in ``demo.seed`` (people, templates, the book, contact history, field
visits); this command puts them together.
"""

import random

from django.core.management.base import BaseCommand
from django.db import transaction

from audit.ledger import rebuild_ledger
from cases.models import LoanAccount
from demo.seed import (
    CN_GIVEN,
    CN_PRODUCTS,
    CN_SURNAMES,
    DEMO_PASSWORD,
    DEMO_USERS,
    EN_FIRST,
    EN_LAST,
    EN_PRODUCTS,
    LOAN_PREFIX,
    SPREAD,
    US_AREAS,
    DemoBook,
    DemoContactHistory,
    DemoPeople,
    DemoTemplates,
    DemoVisits,
)
from demo.seed.field_visits import ensure_visit_in_window
from desk import snapshots

BACKFILL_DAYS = 60

__all__ = [
    "Command",
    # The demo's data, as other code has imported it from here.
    "CN_GIVEN",
    "CN_PRODUCTS",
    "CN_SURNAMES",
    "DEMO_PASSWORD",
    "DEMO_USERS",
    "EN_FIRST",
    "EN_LAST",
    "EN_PRODUCTS",
    "LOAN_PREFIX",
    "SPREAD",
    "US_AREAS",
]


class Command(DemoPeople, DemoTemplates, DemoBook, DemoContactHistory, DemoVisits, BaseCommand):
    help = "Create demo users (one per role) and a demo case book. Safe to run again."

    def add_arguments(self, parser):
        parser.add_argument("--cases", type=int, default=300)
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args, cases, seed, **options):
        users = self.create_users()
        self.create_team(users)
        if LoanAccount.objects.filter(loan_number__startswith=LOAN_PREFIX).exists():
            self.stdout.write("Demo book already present; left as it is.")
        else:
            with transaction.atomic():
                self.create_templates(users)
                self.create_book(cases, random.Random(seed), users)
                # The demo back-dates its ladder steps after writing them: seal the book afresh.
                rebuild_ledger()
                # The dashboard's charts start with the last 60 days, rebuilt from the book.
                snapshots.backfill(BACKFILL_DAYS)
        # Every run, not only the first: a visit's code works only inside its window.
        self.print_logins(ensure_visit_in_window())
