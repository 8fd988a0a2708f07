"""Run the background worker: Django Tasks from the database queue."""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run the task worker (database backend); start several for more throughput."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--batch", action="store_true", help="Exit when the queue is empty.")
        parser.add_argument(
            "--no-scheduler",
            action="store_true",
            help="Do not enqueue the periodic digest dispatch from this worker.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        extra = ["--batch"] if options["batch"] else []
        if not options["batch"] and not options["no_scheduler"]:
            from kontaktpflege.followups.scheduler import start_thread

            start_thread()  # digests stay exactly-once with several workers (DigestLog)
        call_command("db_worker", *extra)
