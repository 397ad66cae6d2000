"""Issue an enrolment code from the server, for when no administrator can sign in yet: a
new installation's first superusers, or the last administrator who lost their phone. The
code is printed once; the person types it on the enrolment page. Recorded as a StaffEvent
issued by nobody (the operator at the server)."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from accounts.enrolment import issue_enrolment_code
from core.exceptions import ServiceError


class Command(BaseCommand):
    help = "Print a single-use enrolment code with which USERNAME sets up an authenticator."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user {username!r}.")
        try:
            row, code = issue_enrolment_code(user, by=None)
        except ServiceError as refusal:
            raise CommandError(str(refusal)) from refusal
        self.stdout.write(f"{code}  (for {username}, once, until {row.expires_at:%Y-%m-%d %H:%M %Z})")
