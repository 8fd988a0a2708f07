"""Reads about the running instance itself (not about a workspace)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Subquery
from django.utils import timezone
from django_tasks import task_backends
from django_tasks_db import DatabaseBackend
from django_tasks_db.models import DBTaskResult

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
        oldest = DBTaskResult.objects.ready().order_by("enqueued_at").values("enqueued_at")[:1]
        row = (
            WorkerBeat.objects.filter(name=WorkerBeat.HEARTBEAT)
            .annotate(oldest=Subquery(oldest))
            .values("beat_at", "oldest")
            .first()
        )
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
