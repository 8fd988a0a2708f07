"""Django's database session stores, reading the session with one statement written once.

Every logged-in request reads its session first. Django builds that ORM query anew each
time, which cost about a third of a minimal logged-in view's CPU; the statement and its
result are the same (the key, not expired), so is everything else the stores do.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from django.contrib.sessions.backends import cached_db, db
from django.contrib.sessions.models import Session
from django.db import connections, router
from django.utils import timezone
from django.utils.dateparse import parse_datetime


@functools.cache
def _session_sql(alias: str) -> str:
    q = connections[alias].ops.quote_name
    table = q(Session._meta.db_table)
    return (
        f"SELECT {q('session_data')}, {q('expire_date')} FROM {table}"
        f" WHERE {q('session_key')} = %s AND {q('expire_date')} > %s"
    )


def _aware(value: Any) -> dt.datetime:
    moment = value if isinstance(value, dt.datetime) else parse_datetime(str(value))
    assert moment is not None
    return moment if timezone.is_aware(moment) else moment.replace(tzinfo=dt.UTC)


class _PlainRead:
    """`_get_session_from_db` as Django's (an unexpired row by key, else forget the key)."""

    session_key: str | None
    _session_key: str | None

    def _get_session_from_db(self) -> Session | None:
        alias = router.db_for_read(Session)
        connection = connections[alias]
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        key = self.session_key
        with connection.cursor() as cursor:
            cursor.execute(_session_sql(alias), [key, now])
            row = cursor.fetchone()
        if row is None or key is None:
            self._session_key = None
            return None
        return Session(session_key=key, session_data=row[0], expire_date=_aware(row[1]))


class SessionStore(_PlainRead, db.SessionStore):
    """Sessions in the database (the default without a shared cache)."""


class CachedSessionStore(_PlainRead, cached_db.SessionStore):
    """Sessions in the database, read through the shared cache (Redis)."""
