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
    """None while background work is healthy; one query (none without the database queue).

    Unhealthy: no worker has stamped its heartbeat for three scheduler intervals, or the
    oldest task ready to run has waited longer than WORKER_WARN_AFTER.
    """
    if not isinstance(task_backends["default"], DatabaseBackend):
        return None  # tasks run in the request (tests) or elsewhere: nothing to watch here
    now = now or timezone.now()
    oldest = DBTaskResult.objects.ready().order_by("enqueued_at").values("enqueued_at")[:1]
    row = (
        WorkerBeat.objects.filter(name=WorkerBeat.HEARTBEAT)
        .annotate(oldest=Subquery(oldest))
        .values("beat_at", "oldest")
        .first()
    )
    silent = dt.timedelta(seconds=3 * settings.SCHEDULER_INTERVAL)
    no_worker = row is None or row["beat_at"] < now - silent
    waited = now - row["oldest"] if row and row["oldest"] else dt.timedelta(0)
    waiting = waited > dt.timedelta(seconds=settings.WORKER_WARN_AFTER)
    if not (no_worker or waiting):
        return None
    return WorkerHealth(no_worker=no_worker, waiting_minutes=int(waited.total_seconds() // 60))
