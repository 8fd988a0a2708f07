"""Reads about the running instance itself (not about a workspace)."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connections, router
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django_tasks import task_backends
from django_tasks.base import TaskResultStatus
from django_tasks_db import DatabaseBackend
from django_tasks_db.models import DBTaskResult, get_date_max

from kontaktpflege.core.models import WorkerBeat


@dataclass(frozen=True)
class WorkerHealth:
    """Why background work is not getting done: no worker reports, or a task waits too long."""

    no_worker: bool
    waiting_minutes: int  # how long the oldest ready task has waited (0 when it is fresh)


def worker_health(*, now: dt.datetime | None = None) -> WorkerHealth | None:
    """None while background work is healthy; one query (none without a queue to watch).

    Unhealthy: no worker has stamped its heartbeat for three scheduler intervals, or the
    oldest task ready to run has waited longer than WORKER_WARN_AFTER. With the database
    queue both come from one query; with the Redis queue (KP_TASKS_BACKEND=rq) the heartbeat
    is one query and the oldest waiting job is read from Redis.
    """
    backend = task_backends["default"]
    if isinstance(backend, DatabaseBackend):
        row = _database_queue_row()
    elif settings.TASKS_USE_RQ:
        beat = WorkerBeat.objects.filter(name=WorkerBeat.HEARTBEAT).values("beat_at").first()
        row = None
        if beat is not None:
            queues = list(getattr(backend, "queues", ["default"]))
            row = {"beat_at": beat["beat_at"], "oldest": _rq_oldest_waiting(queues)}
    else:
        return None  # tasks run in the request (tests) or elsewhere: nothing to watch here
    now = now or timezone.now()
    silent = dt.timedelta(seconds=3 * settings.SCHEDULER_INTERVAL)
    no_worker = row is None or row["beat_at"] < now - silent
    waited = now - row["oldest"] if row and row["oldest"] else dt.timedelta(0)
    waiting = waited > dt.timedelta(seconds=settings.WORKER_WARN_AFTER)
    if not (no_worker or waiting):
        return None
    return WorkerHealth(no_worker=no_worker, waiting_minutes=int(waited.total_seconds() // 60))


@functools.cache
def _database_queue_sql(alias: str) -> str:
    """Heartbeat and the oldest ready task (DBTaskResult.objects.ready()) in one statement.

    Written once per process: every page's shell asks, and Django compiling the ORM query
    anew each time cost more CPU than the query and the rest of the banner together.
    """
    q = connections[alias].ops.quote_name
    beat, task = q(WorkerBeat._meta.db_table), q(DBTaskResult._meta.db_table)
    return (
        f"SELECT b.{q('beat_at')}, (SELECT t.{q('enqueued_at')} FROM {task} t"
        f" WHERE t.{q('status')} = %s AND (t.{q('run_after')} = %s OR t.{q('run_after')} <= %s)"
        f" ORDER BY t.{q('enqueued_at')} LIMIT 1) FROM {beat} b WHERE b.{q('name')} = %s LIMIT 1"
    )


def _aware(value: object) -> dt.datetime | None:
    """A stored instant as an aware datetime (SQLite returns a subquery's as text)."""
    if value is None:
        return None
    moment = value if isinstance(value, dt.datetime) else parse_datetime(str(value))
    if moment is None:
        return None
    return moment if timezone.is_aware(moment) else moment.replace(tzinfo=dt.UTC)


def _database_queue_row() -> dict[str, Any] | None:
    alias = router.db_for_read(WorkerBeat)
    connection = connections[alias]
    adapt = connection.ops.adapt_datetimefield_value
    params = [TaskResultStatus.READY.value, adapt(get_date_max()), adapt(timezone.now())]
    with connection.cursor() as cursor:
        cursor.execute(_database_queue_sql(alias), [*params, WorkerBeat.HEARTBEAT])
        found = cursor.fetchone()
    if found is None:
        return None
    return {"beat_at": _aware(found[0]), "oldest": _aware(found[1])}


def _rq_oldest_waiting(queue_names: list[str]) -> dt.datetime | None:
    """When the oldest job still waiting in a Redis queue was enqueued (None: none waits).

    Redis being unreachable is the health endpoint's to report; the banner then says
    nothing about waiting rather than failing the page.
    """
    import django_rq
    from redis.exceptions import RedisError

    oldest: dt.datetime | None = None
    try:
        for name in queue_names:
            queue = django_rq.get_queue(name)
            job_ids = queue.get_job_ids(0, 1)  # FIFO: the head waited longest
            job = queue.fetch_job(job_ids[0]) if job_ids else None
            enqueued = job.enqueued_at if job is not None else None
            if enqueued is None:
                continue
            if timezone.is_naive(enqueued):
                enqueued = enqueued.replace(tzinfo=dt.UTC)
            oldest = enqueued if oldest is None else min(oldest, enqueued)
    except RedisError:
        return None
    return oldest
