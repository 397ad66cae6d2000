"""
``manage.py bench --cases N``: generate a synthetic book of N cases on PostgreSQL and
print one JSON report of how the nightly cycle, the outbox, the compliance engine and
the admin perform on it. Progress goes to stderr. See bench/README.md.
"""

import json

from django.core.management.base import BaseCommand, CommandError

from bench.bulk import BenchError
from bench.runner import SECTIONS, missing_numbers, run


class Command(BaseCommand):
    help = "Generate a synthetic book of N cases (PostgreSQL, database named bench*) and measure it; prints JSON."

    def add_arguments(self, parser):
        parser.add_argument("--cases", type=int, required=True, help="Number of collection cases (and borrowers).")
        parser.add_argument(
            "--reuse",
            action="store_true",
            help="Measure the book of this size already generated here; do not generate.",
        )
        parser.add_argument(
            "--force", action="store_true", help="Write into a database whose name does not start with 'bench'."
        )
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--check-contact-calls", type=int, default=10_000)
        parser.add_argument("--admin-requests", type=int, default=20)
        parser.add_argument(
            "--dispatch-messages",
            type=int,
            default=None,
            help="Due messages to dispatch (default: cases/100, at most 20,000).",
        )
        parser.add_argument("--dispatch-batch", type=int, default=None, help="Default: settings.OUTBOX_BATCH_SIZE.")
        parser.add_argument(
            "--feed-rows", type=int, default=500_000, help="Lines of the feed file whose check is measured."
        )
        parser.add_argument(
            "--sections",
            default="all",
            help=f"Comma-separated sections to measure: {', '.join(SECTIONS)}; 'all' (default) or 'none' "
            "(generate only).",
        )
        parser.add_argument("--output", help="Also write the JSON report to this file.")
        parser.add_argument(
            "--check", action="store_true", help="Exit with an error if any section of the report has no number (CI)."
        )

    def handle(
        self,
        *args,
        cases,
        reuse,
        force,
        seed,
        check_contact_calls,
        admin_requests,
        dispatch_messages,
        dispatch_batch,
        feed_rows,
        sections,
        output,
        check,
        **options,
    ):
        if sections in ("all", "none"):
            chosen = SECTIONS if sections == "all" else ()
        else:
            chosen = tuple(name.strip() for name in sections.split(",") if name.strip())
        try:
            report = run(
                cases,
                reuse=reuse,
                force=force,
                seed=seed,
                check_contact_calls=check_contact_calls,
                admin_requests=admin_requests,
                dispatch_messages=dispatch_messages,
                dispatch_batch=dispatch_batch,
                feed_rows=feed_rows,
                sections=chosen,
            )
        except BenchError as refusal:
            raise CommandError(str(refusal)) from refusal
        text = json.dumps(report, indent=2, ensure_ascii=False, default=str)
        if output:
            with open(output, "w", encoding="utf-8") as handle:
                handle.write(text + "\n")
        self.stdout.write(text)
        if check and (missing := missing_numbers(report, chosen)):
            raise CommandError("The report lacks numbers: " + "; ".join(missing))
