from django.core.management.base import BaseCommand, CommandError

from compliance import services


class Command(BaseCommand):
    help = (
        "Verify the audit hash chain over history rows, case events and the access log; "
        "name the first broken row (table, pk, ledger seq). Exits non-zero when broken."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--all", action="store_true", help="List every problem found (up to 50), not just the first."
        )

    def handle(self, *args, **options):
        report = services.check_audit_chain()
        if report.ok:
            self.stdout.write(self.style.SUCCESS(report.summary()))
            self.stdout.write("Record the head hash outside the database to detect a rewrite of the whole chain.")
            return
        if options["all"]:
            for problem in report.problems:
                self.stderr.write(f"  {problem.kind}: {problem}")
        first = report.first_problem
        raise CommandError(
            f"{report.summary()}\nFirst broken row: table={first.table} pk={first.row_pk} "
            f"seq={first.seq} ({first.kind})"
        )
