from django.core.management.base import BaseCommand, CommandError

from compliance import services


class Command(BaseCommand):
    help = (
        "Verify the audit ledger: every keyed link, every sealed row, the anchors kept outside the "
        "database, the unsealed backlog, and the live evidence rows against their sealed history; "
        "name the first broken row (table, pk, ledger seq, field). Exits non-zero when broken."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--all", action="store_true", help="List every problem found (up to 50), not just the first."
        )

    def handle(self, *args, **options):
        report = services.check_audit_chain()
        if report.ok:
            self.stdout.write(self.style.SUCCESS(report.summary()))
            return
        if options["all"]:
            for problem in report.problems:
                self.stderr.write(f"  {problem.kind}: {problem}")
        first = report.first_problem
        raise CommandError(
            f"{report.summary()}\nFirst broken row: table={first.table} pk={first.row_pk} "
            f"seq={first.seq if first.seq is not None else '-'}"
            f"{f' field={first.field}' if first.field else ''} ({first.kind})"
        )
