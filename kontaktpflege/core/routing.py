"""Read-replica routing: page views read from the replica, except right after the user wrote.

A replica lags the primary by a moment. Someone who has just saved a form and is sent to the
next page must see their change, so every request that may write (anything but GET, HEAD,
OPTIONS) sets a cookie with the time until which this browser reads from the primary
(REPLICA_STICKY_SECONDS). Reads go to the replica only inside a safe request of a browser
without that cookie; the worker, the shell and management commands read from the primary,
and so does anything inside a transaction, sessions and the task queue.

The cookie only says "read from the primary": a client that forges it merely reads fresher
data, so it is not signed.
"""

from __future__ import annotations

import contextvars
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import connections
from django.http import HttpRequest, HttpResponse

REPLICA = "replica"
PRIMARY = "default"
COOKIE = "kp_primary_until"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Tables whose reads must see the latest write at once (log-in, the queue's own bookkeeping).
ALWAYS_PRIMARY = frozenset({"sessions", "django_tasks_database", "django_tasks_db", "core"})

_use_replica: contextvars.ContextVar[bool] = contextvars.ContextVar("kp_use_replica", default=False)


def replica_allowed() -> bool:
    """Whether reads in this context may go to the replica."""
    return _use_replica.get()


class ReplicaRouter:
    """Reads to the replica where `ReplicaStickinessMiddleware` allowed it; all else primary."""

    def db_for_read(self, model: type[Any], **hints: Any) -> str:
        if (
            not _use_replica.get()
            or model._meta.app_label in ALWAYS_PRIMARY
            or connections[PRIMARY].in_atomic_block
        ):
            return PRIMARY
        return REPLICA

    def db_for_write(self, model: type[Any], **hints: Any) -> str:
        return PRIMARY

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True  # the replica holds the same rows as the primary

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == PRIMARY


def primary_until(request: HttpRequest) -> float:
    """The time (epoch seconds) until which this browser reads from the primary; 0 if none."""
    try:
        return float(request.COOKIES.get(COOKIE, "0"))
    except ValueError:
        return 0.0


class ReplicaStickinessMiddleware:
    """Allow replica reads for safe requests of browsers that did not write just now."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.enabled = REPLICA in connections

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not self.enabled:
            return self.get_response(request)
        now = time.time()
        safe = request.method in SAFE_METHODS
        token = _use_replica.set(safe and primary_until(request) <= now)
        try:
            response = self.get_response(request)
        finally:
            _use_replica.reset(token)
        if not safe:
            seconds = settings.REPLICA_STICKY_SECONDS
            response.set_cookie(
                COOKIE,
                f"{now + seconds:.3f}",
                max_age=seconds,
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response
