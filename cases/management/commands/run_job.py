from django.core.management.base import BaseCommand, CommandError

from cases import jobs
from contacts import outbox

JOBS = {**jobs.JOBS, "plan_reminders": outbox.plan_reminders, "dispatch_outbox": outbox.dispatch_outbox}


class Command(BaseCommand):
    help = "Run a scheduled job now and record it: " + ", ".join(sorted(JOBS))

    def add_arguments(self, parser):
        parser.add_argument("job", choices=sorted(JOBS))

    def handle(self, *args, job, **options):
        try:
            run = jobs.run_job(job, JOBS[job], trigger="command")
        except Exception as error:
            raise CommandError(f"{job} failed: {error}") from error
        self.stdout.write(self.style.SUCCESS(f"{job}: {run.counts} in {run.duration.total_seconds():.2f} s"))
