"""A tiny periodic trigger next to each worker: django-tasks has no cron.

Every worker's scheduler thread wakes once per interval, reports a heartbeat (one UPDATE)
and tries to claim the interval's tick (one conditional UPDATE). Only the worker that wins
the claim enqueues the periodic tasks (`settings.PERIODIC_TASKS`: the digest dispatch and
the outbox recovery), so N workers cost N small writes per interval, not N dispatches.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading

from django.conf import settings
from django.db import IntegrityError, close_old_connections, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from kontaktpflege.core.models import WorkerBeat

log = logging.getLogger(__name__)

HEARTBEAT = WorkerBeat.HEARTBEAT
TICK = "scheduler"


def _me() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:100]


def beat(name: str = HEARTBEAT, *, not_since: dt.timedelta | None = None) -> bool:
    """Stamp the row `name` with now; with `not_since`, only if nobody stamped it that recently.

    The conditional form is the claim: of several workers calling it in one interval, the
    first one's UPDATE matches and the others' match nothing.
    """
    now = timezone.now()
    rows = WorkerBeat.objects.filter(name=name)
    if not_since is not None:
        rows = rows.filter(beat_at__lte=now - not_since)
    if rows.update(beat_at=now, worker=_me()):
        return True
    if not_since is not None and WorkerBeat.objects.filter(name=name).exists():
        return False  # stamped within the interval by another worker
    try:
        with transaction.atomic():
            WorkerBeat.objects.create(name=name, beat_at=now, worker=_me())
    except IntegrityError:  # the row exists (someone else holds this interval)
        return False
    return True


def claim_tick(interval: float) -> bool:
    """Claim this interval's tick; False when another worker already ticked in it."""
    # A little slack so that one worker waking a few milliseconds early does not skip.
    return beat(TICK, not_since=dt.timedelta(seconds=interval * 0.9))


def tick() -> None:
    """Enqueue the periodic tasks (the worker runs them)."""
    for path in settings.PERIODIC_TASKS:
        import_string(path).enqueue()


def step(interval: float, *, schedule: bool = True) -> bool:
    """One round: the heartbeat, and the tick when this worker claims it; True if it ticked."""
    beat()
    if schedule and claim_tick(interval):
        tick()
        return True
    return False


def run(stop: threading.Event, interval: float = 60.0, *, schedule: bool = True) -> None:
    """Every `interval` seconds one `step`; errors are logged, not fatal."""
    while not stop.is_set():
        try:
            close_old_connections()  # a connection the database dropped is opened again
            step(interval, schedule=schedule)
        except Exception:  # the loop must survive a locked database or a bad row
            log.exception("scheduler tick failed")
        stop.wait(interval)


def start_thread(interval: float | None = None, *, schedule: bool = True) -> threading.Event:
    """Run the scheduler in a daemon thread next to the worker; set the event to stop it."""
    stop = threading.Event()
    every = float(settings.SCHEDULER_INTERVAL if interval is None else interval)
    threading.Thread(
        target=run,
        args=(stop, every),
        kwargs={"schedule": schedule},
        daemon=True,
        name="kp-scheduler",
    ).start()
    return stop
