"""Is this instance able to serve: the database (and replica) answer, the task queue answers.

Used by the health endpoint (/health/) that a load balancer or process manager polls. Each
check says only "ok" or "down": no host names, no error texts (they may carry addresses or
user names), so the answer can be public.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.db import DatabaseError, connections

log = logging.getLogger(__name__)

OK, DOWN = "ok", "down"


def _database(alias: str) -> Callable[[], None]:
    def check() -> None:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()

    return check


def _redis() -> None:
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
    try:
        client.ping()
    finally:
        client.close()


def instance_health() -> dict[str, str]:
    """{"database": "ok"|"down", ["replica": …,] "queue": …}: every part checked, none fatal.

    With the database backend the queue is the database itself; with the Redis backend
    (KP_TASKS_BACKEND=rq) Redis must answer a PING.
    """
    checks: dict[str, Callable[[], None]] = {"database": _database("default")}
    if "replica" in connections:
        checks["replica"] = _database("replica")
    checks["queue"] = _redis if settings.TASKS_USE_RQ else checks["database"]
    results: dict[str, str] = {}
    for name, check in checks.items():
        try:
            check()
        except Exception as exc:  # any failure means "down"; the log says why
            log.warning("health check %s failed: %s", name, exc.__class__.__name__)
            if isinstance(exc, DatabaseError):
                _discard_broken_connections()
            results[name] = DOWN
        else:
            results[name] = OK
    return results


def _discard_broken_connections() -> None:
    for conn in connections.all(initialized_only=True):
        try:
            conn.close_if_unusable_or_obsolete()
        except DatabaseError:
            log.debug("closing a broken connection failed", exc_info=True)
