"""Run the background worker: Django Tasks from the database queue, surviving database trouble."""

from __future__ import annotations

import contextlib
import logging
import time
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, InterfaceError, connections

logger = logging.getLogger("kontaktpflege.worker")

RETRY_FIRST = 1.0  # seconds before the loop resumes after a database error …
RETRY_MAX = 30.0  # … doubling while errors follow each other, at most this
CALM_AFTER = 60.0  # a loop that ran this long without error starts again at RETRY_FIRST


class Command(BaseCommand):
    help = "Run the task worker (database backend); start several for more throughput."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--batch", action="store_true", help="Exit when the queue is empty.")
        parser.add_argument(
            "--no-scheduler",
            action="store_true",
            help="Do not enqueue the periodic tasks (digests, outbox recovery) from this worker.",
        )

        parser.add_argument(
            "--queue-name",
            default="*",
            help="The queues to run, comma-separated (default: all), e.g. `roll` for a worker "
            "of its own for the daily roll.",
        )
        parser.add_argument(
            "--exclude-queues",
            default="",
            help="Queues not to run when running all, e.g. `roll` for the sending workers.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # --no-reload: the process that `serve` supervises is the worker itself, not a reloader.
        extra = ["--no-reload", "--batch"] if options["batch"] else ["--no-reload"]
        extra += ["--queue-name", options["queue_name"]]
        if options["exclude_queues"]:
            if options["queue_name"] != "*":
                raise CommandError("--exclude-queues only goes with all queues.")
            extra += ["--exclude-queues", options["exclude_queues"]]
        if options["batch"]:
            call_command("db_worker", *extra)
            return
        from kontaktpflege.core.scheduler import start_thread

        # Heartbeat always; periodic tasks once per interval among all workers.
        start_thread(schedule=not options["no_scheduler"])
        run_forever(extra)


def run_forever(extra: list[str]) -> None:
    """Run the library's worker loop; a database error (locked, connection lost) pauses it.

    The loop of `db_worker` lets such an error escape (for instance "database is locked"
    while another process holds SQLite's write lock longer than the busy timeout), which
    would end the process. Here it is logged, the connections are dropped so that the next
    round opens fresh ones, and the loop starts again after a growing pause.
    """
    delay = RETRY_FIRST
    while True:
        started = time.monotonic()
        try:
            call_command("db_worker", *extra)
            return  # the loop ended by itself (a signal asked it to stop)
        except (DatabaseError, InterfaceError) as exc:
            if time.monotonic() - started >= CALM_AFTER:
                delay = RETRY_FIRST
            logger.warning("worker loop: database error (%s); resuming in %.0f s", exc, delay)
            for conn in connections.all(initialized_only=True):
                with contextlib.suppress(DatabaseError, InterfaceError):
                    conn.close()
            time.sleep(delay)
            delay = min(delay * 2, RETRY_MAX)
