"""Run the background worker: Django Tasks from the database queue."""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run the task worker (database backend); start several for more throughput."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--batch", action="store_true", help="Exit when the queue is empty.")

    def handle(self, *args: Any, **options: Any) -> None:
        extra = ["--batch"] if options["batch"] else []
        call_command("db_worker", *extra)
