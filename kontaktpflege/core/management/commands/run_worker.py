"""Run the background worker: Django Tasks from the database queue (or Redis), surviving trouble.

With KP_TASKS_BACKEND=rq the worker is RQ's, in-process (no fork per task: the task's
database connection is reused), taking the tasks of every queue from Redis; start as many as
the work needs, on any machine that reaches Redis and the database.
"""

from __future__ import annotations

import contextlib
import logging
import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, InterfaceError, connections
from redis.exceptions import RedisError

logger = logging.getLogger("kontaktpflege.worker")

RETRY_FIRST = 1.0  # seconds before the loop resumes after a database error …
RETRY_MAX = 30.0  # … doubling while errors follow each other, at most this
CALM_AFTER = 60.0  # a loop that ran this long without error starts again at RETRY_FIRST


class Command(BaseCommand):
    help = "Run the task worker (database or Redis queue); start several for more throughput."

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
        if options["exclude_queues"] and options["queue_name"] != "*":
            raise CommandError("--exclude-queues only goes with all queues.")
        command, extra = worker_command(
            batch=options["batch"],
            queue_name=options["queue_name"],
            exclude_queues=options["exclude_queues"],
        )
        if options["batch"]:
            call_command(command, *extra)
            return
        from kontaktpflege.core.scheduler import start_thread

        # Heartbeat always; periodic tasks once per interval among all workers.
        start_thread(schedule=not options["no_scheduler"])
        run_forever(extra, command)


def worker_command(
    *, batch: bool, queue_name: str = "*", exclude_queues: str = ""
) -> tuple[str, list[str]]:
    """The library's worker command for the configured backend, and its arguments."""
    if settings.TASKS_USE_RQ:
        wanted = sorted(settings.RQ_QUEUES) if queue_name == "*" else queue_name.split(",")
        skipped = set(filter(None, exclude_queues.split(",")))
        extra = [
            *(q for q in wanted if q not in skipped),
            "--job-class",
            "django_tasks_rq.Job",
            "--worker-class",
            "rq.worker.SimpleWorker",
        ]
        return "rqworker", [*extra, "--burst"] if batch else extra
    # --no-reload: the process that `serve` supervises is the worker itself, not a reloader.
    extra = ["--no-reload", "--batch"] if batch else ["--no-reload"]
    extra += ["--queue-name", queue_name]
    if exclude_queues:
        extra += ["--exclude-queues", exclude_queues]
    return "db_worker", extra


def run_forever(extra: list[str], command: str = "db_worker") -> None:
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
            call_command(command, *extra)
            return  # the loop ended by itself (a signal asked it to stop)
        except (DatabaseError, InterfaceError, RedisError) as exc:
            if time.monotonic() - started >= CALM_AFTER:
                delay = RETRY_FIRST
            logger.warning(
                "worker loop: database or queue error (%s); resuming in %.0f s", exc, delay
            )
            for conn in connections.all(initialized_only=True):
                with contextlib.suppress(DatabaseError, InterfaceError):
                    conn.close()
            time.sleep(delay)
            delay = min(delay * 2, RETRY_MAX)
