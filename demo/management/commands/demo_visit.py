"""A fresh demo verification code without reseeding: keep one demo field visit open for
the field agents (or, at night in Shanghai, at the next visiting hours) and print its code
and window. seed_demo does the same on every run, so on every ``make run``."""

from django.core.management.base import BaseCommand, CommandError

from demo.seed.field_visits import describe_demo_visit, ensure_visit_in_window


class Command(BaseCommand):
    help = "Open a demo field visit for the field agents now (or at the next visiting hours) and print its code."

    def handle(self, *args, **options):
        visit = ensure_visit_in_window()
        if visit is None:
            raise CommandError(
                "No demo visit to open: no demo book with field agents and field-visit cases. "
                "Run `.venv/bin/python manage.py seed_demo` first."
            )
        self.stdout.write(describe_demo_visit(visit))
