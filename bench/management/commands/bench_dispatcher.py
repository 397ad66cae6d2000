"""
``manage.py bench_dispatcher FOLDER BATCH TIMEOUT DATABASE``: one outbox worker process of
the bench's two-process measurement (bench/dispatchers.py starts it; not for people).
"""

import json
import sys

from django.core.management.base import BaseCommand
from django.db import connections

from bench.dispatchers import GO, READY, work


class Command(BaseCommand):
    help = "One dispatching worker of the bench's outbox measurement (started by bench/dispatchers.py)."
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("folder")
        parser.add_argument("batch", type=int)
        parser.add_argument("timeout", type=float)
        parser.add_argument("database", help="The database measured (a test run's test_… one too).")

    def handle(self, *, folder, batch, timeout, database, **options):
        connections["default"].settings_dict["NAME"] = database
        print(READY, flush=True)
        if sys.stdin.readline().strip() != GO:  # every worker starts together
            return
        print(json.dumps(work(folder, batch, timeout)), flush=True)
