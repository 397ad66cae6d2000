from django.core.management.base import BaseCommand, CommandError

from core.jobs import registered_jobs, run_job


class Command(BaseCommand):
    help = "Run a scheduled job now and record it (the jobs are declared in each app's jobs.py)."

    def add_arguments(self, parser):
        parser.add_argument("job", choices=list(registered_jobs()))

    def handle(self, *args, job, **options):
        try:
            run = run_job(job, trigger="command")
        except Exception as error:
            raise CommandError(f"{job} failed: {error}") from error
        if run is None:
            self.stdout.write(f"{job}: nothing to do")
            return
        self.stdout.write(self.style.SUCCESS(f"{job}: {run.counts} in {run.duration.total_seconds():.2f} s"))
