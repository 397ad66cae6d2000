"""
``manage.py load_book --cases N --users U --output FILE``: a fresh bench book and the
people a load test signs in as, their sign-in details written to FILE (bench/load).
``--sign-in-again`` only lets the same people sign in once more (the next phase).
"""

import json

from django.core.management.base import BaseCommand, CommandError

from bench.bulk import BenchError
from bench.load import book


class Command(BaseCommand):
    help = "Generate a bench book and the load-test staff (PostgreSQL, database named bench*)."

    def add_arguments(self, parser):
        parser.add_argument("--cases", type=int, default=20_000)
        parser.add_argument("--users", type=int, default=50, help="Simulated users: people made per role.")
        parser.add_argument("--output", help="JSON file for the locustfile: logins, TOTP keys, API key.")
        parser.add_argument("--sign-in-again", action="store_true", help="Only reset the two-factor devices.")

    def handle(self, *args, cases, users, output, sign_in_again, **options):
        if sign_in_again:
            book.allow_signing_in_again()
            return
        if not output:
            raise CommandError("--output is required.")
        try:
            counts = book.generate(cases)
        except BenchError as refusal:
            raise CommandError(str(refusal)) from refusal
        details = book.make_staff(users) | {"cases": counts.get("cases_collectioncase")}
        with open(output, "w", encoding="utf-8") as handle:
            json.dump(details, handle, indent=1)
        self.stderr.write(f"load book: {details['cases']:,} cases, staff and API client written to {output}")
