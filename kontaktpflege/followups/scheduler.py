"""A tiny periodic trigger: django-tasks has no cron, so this enqueues digest_dispatch."""

from __future__ import annotations

import logging
import threading

log = logging.getLogger(__name__)


def tick() -> None:
    """Enqueue one dispatch (the worker runs it)."""
    from kontaktpflege.followups.tasks import digest_dispatch

    digest_dispatch.enqueue()


def run(stop: threading.Event, interval: float = 60.0) -> None:
    """Tick every `interval` seconds until `stop` is set; errors are logged, not fatal."""
    while not stop.is_set():
        try:
            tick()
        except Exception:  # the loop must survive a locked database or a bad row
            log.exception("scheduler tick failed")
        stop.wait(interval)


def start_thread(interval: float = 60.0) -> threading.Event:
    """Run the scheduler in a daemon thread next to the worker; set the event to stop it."""
    stop = threading.Event()
    threading.Thread(target=run, args=(stop, interval), daemon=True, name="kp-scheduler").start()
    return stop
