"""
Load the lender's feed from CSV: ``import_loans accounts.csv`` for accounts, balances
and borrowers, ``import_loans --payments payments.csv`` for payments. The whole file
or nothing (see cases/imports/run.py); errors are listed by line and column.
"""

from django.core.management.base import BaseCommand, CommandError

from cases.imports import import_csv


class Command(BaseCommand):
    help = "Import loan accounts (or, with --payments, payments) from a CSV file; the whole file or nothing."

    def add_arguments(self, parser):
        parser.add_argument("path", help="CSV file, UTF-8, header on the first line.")
        parser.add_argument("--payments", action="store_true", help="The file holds payments, not accounts.")

    def handle(self, *args, path, payments, **options):
        kind = "payments" if payments else "accounts"
        try:
            with open(path, "rb") as file:
                result = import_csv(file, kind, trigger="command")
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror or exc}.") from exc
        if not result.ok:
            for error in result.errors:
                self.stderr.write(str(error))
            raise CommandError(f"Nothing imported from {path}: {len(result.errors)} error(s).")
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {kind} from {path}: {result.created} created, {result.updated} updated"
                + (f", {result.unchanged} already recorded" if result.unchanged else "")
                + "."
            )
        )
