"""Rows written in bulk without the ORM: COPY on PostgreSQL, executemany elsewhere.

`bulk_create` prepares every value of every row through the model's fields, which costs
more than the database's own work from a few thousand rows on. These helpers take plain
tuples whose values are already what the database stores (see `adapters`).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from json.encoder import c_make_encoder, encode_basestring_ascii  # type: ignore[attr-defined]
from typing import Any

import psycopg
from django.core.exceptions import EmptyResultSet
from django.db import connection, models
from django.db.backends.utils import CursorWrapper
from django.db.models import Q, QuerySet
from psycopg.pq import Format

# Up to this many ids a filter lists them; beyond, it takes their range.
IN_LIST_MAX = 200


def among(ids: Sequence[int], field: str = "person_id") -> Q:
    """These ids: as an IN list, or for many as their range (much cheaper to build and run).

    Django prepares every value of an IN list one by one (thousands of ids cost more than
    the query), while a range is two parameters. A range may take in rows of other ids:
    every caller keeps only the rows of `ids`.
    """
    if len(ids) <= IN_LIST_MAX:
        return Q(**{f"{field}__in": ids})
    return Q(**{f"{field}__gte": min(ids), f"{field}__lte": max(ids)})


# psycopg's compiled timestamptz loader (None without its C extension). Django registers a
# subclass of the pure-Python one on every connection, to put its zone on each value: with
# the session in UTC the compiled one returns the same aware datetimes (`datetime.UTC`),
# 200,000 of them in 0.07 s instead of 1.4 s. It cannot be subclassed, so Django's cursor
# check (`loader.timezone`) rules it out for the connection: bulk reads set it per cursor.
_COMPILED_TIMESTAMPTZ = psycopg.adapters.get_loader(
    psycopg.adapters.types["timestamptz"].oid, Format.TEXT
)
if _COMPILED_TIMESTAMPTZ is not None and not _COMPILED_TIMESTAMPTZ.__module__.startswith(
    ("psycopg_binary", "psycopg_c")
):
    _COMPILED_TIMESTAMPTZ = None


@contextmanager
def read_cursor() -> Iterator[CursorWrapper]:
    """A cursor for bulk reads. On PostgreSQL with the session in UTC (as Django keeps it
    with USE_TZ) its timestamps are read by psycopg's compiled loader: aware UTC
    datetimes, the values Django's loader gives, about 15 times faster."""
    with connection.cursor() as cursor:
        if (
            connection.vendor == "postgresql"
            and _COMPILED_TIMESTAMPTZ is not None
            and connection.timezone is dt.UTC
            and cursor.connection.info.parameter_status("TimeZone") == "UTC"
        ):
            cursor.cursor.adapters.register_loader("timestamptz", _COMPILED_TIMESTAMPTZ)
        yield cursor


def values_rows(queryset: QuerySet) -> list[tuple]:
    """The rows of a `values_list` queryset. On PostgreSQL it runs on a `read_cursor`
    without the ORM's converters: only for columns psycopg already returns as Python
    values (no JSON). Elsewhere the ORM reads them (SQLite keeps dates as text)."""
    if connection.vendor != "postgresql":
        return [tuple(row) for row in queryset]
    try:
        sql, params = queryset.query.sql_with_params()
    except EmptyResultSet:  # e.g. `IN ()`: the ORM answers it without the database
        return []
    with read_cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _columns(model: type[models.Model], attnames: Sequence[str]) -> tuple[str, str]:
    meta = model._meta
    by_attname = {f.attname: f.column for f in meta.concrete_fields}
    quote = connection.ops.quote_name
    return quote(meta.db_table), ", ".join(quote(by_attname[a]) for a in attnames)


def insert_rows(model: type[models.Model], attnames: Sequence[str], rows: Sequence[tuple]) -> int:
    """INSERT the rows (values in `attnames` order); returns how many were written."""
    if not rows:
        return 0
    table, columns = _columns(model, attnames)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY streams the rows without planning a statement per row. On the driver's
            # own cursor: its errors are made Django's (IntegrityError, …) here.
            copying = cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN")
            with connection.wrap_database_errors, copying as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(attnames))
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)
    return len(rows)


def update_rows(model: type[models.Model], attnames: Sequence[str], rows: Sequence[tuple]) -> int:
    """UPDATE by id: each row is (values in `attnames` order..., id)."""
    if not rows:
        return 0
    table, _columns_sql = _columns(model, attnames)
    fields = {f.attname: f.column for f in model._meta.concrete_fields}
    quote = connection.ops.quote_name
    sets = ", ".join(f"{quote(fields[a])} = %s" for a in attnames)
    with connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {table} SET {sets} WHERE id = %s", rows)
    return len(rows)


def delete_rows(model: type[models.Model], ids: Sequence[int]) -> int:
    """DELETE these ids (rows nothing refers to: no cascade, no signals)."""
    if not ids:
        return 0
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"DELETE FROM {table} WHERE id = ANY(%s)", [list(ids)])
        else:
            cursor.executemany(f"DELETE FROM {table} WHERE id = %s", [(pk,) for pk in ids])
    return len(ids)


def select_rows(
    model: type[models.Model],
    attnames: Sequence[str],
    workspace_id: int,
    *,
    ids: Sequence[int] = (),
    field: str = "person_id",
    keys: Sequence[str] = (),
) -> list[tuple]:
    """The workspace's rows of `model` (columns `attnames`, as the database returns them)
    whose `field` is among `ids` (by range when many, like `among`: the caller keeps the
    rows of its ids) or whose `key` is one of `keys`; plain SQL, no converters."""
    table, columns = _columns(model, attnames)
    quote = connection.ops.quote_name
    sql = f"SELECT {columns} FROM {table} WHERE {quote('workspace_id')} = %s AND "
    found: list[tuple] = []
    with read_cursor() as cursor:
        if ids:
            by_attname = {f.attname: f.column for f in model._meta.concrete_fields}
            column = quote(by_attname[field])
            by_ids = sql
            if connection.vendor == "sqlite":
                # "+" keeps SQLite from answering with an index that leads with the
                # workspace (all of its rows) instead of one on the ids' column: the
                # follow-ups' agenda index made a recompute at M twice as slow.
                by_ids = sql.replace(
                    f"WHERE {quote('workspace_id')}", f"WHERE +{quote('workspace_id')}"
                )
            if len(ids) <= IN_LIST_MAX:
                marks = ", ".join(["%s"] * len(ids))
                cursor.execute(f"{by_ids}{column} IN ({marks})", [workspace_id, *ids])
            else:
                where = f"{column} >= %s AND {column} <= %s"
                cursor.execute(by_ids + where, [workspace_id, min(ids), max(ids)])
            found += cursor.fetchall()
        step = 10_000 if connection.vendor == "postgresql" else 500
        for start in range(0, len(keys), step):
            part = list(keys[start : start + step])
            if connection.vendor == "postgresql":
                cursor.execute(f"{sql}{quote('key')} = ANY(%s)", [workspace_id, part])
            else:
                marks = ", ".join(["%s"] * len(part))
                cursor.execute(f"{sql}{quote('key')} IN ({marks})", [workspace_id, *part])
            found += cursor.fetchall()
    return found


@dataclass(frozen=True)
class Adapters:
    """Python values → what the database stores, for the rows given to these helpers."""

    date: Callable[[dt.date | None], Any]
    datetime: Callable[[dt.datetime | None], Any]
    json: Callable[[Any], Any]
    # Whether a JSON value as `select_rows` reads it (text) equals a Python value.
    json_equal: Callable[[Any, Any], bool]
    # A computed datetime (MIN/MAX of a datetime column) as the cursor returns it → aware.
    read_datetime: Callable[[Any], dt.datetime | None]


# json.dumps' own text, by one C encoder made once: json.dumps makes a new one for every
# value (a recompute dumps 77k params at M, 15 instead of 23 µs each).
_C_ENCODER = (
    None
    if c_make_encoder is None
    else c_make_encoder(
        None,
        json.JSONEncoder().default,
        encode_basestring_ascii,
        None,
        ": ",
        ", ",
        False,
        False,
        True,
    )
)


def dumps(value: Any) -> str:
    """json.dumps(value) with its default arguments: the same text, for less."""
    if _C_ENCODER is None:
        return json.dumps(value)
    return "".join(_C_ENCODER(value, 0))


def _iso(value: dt.date | None) -> str | None:
    return None if value is None else value.isoformat()


def adapters() -> Adapters:
    """The adapters of the current database (SQLite keeps dates as ISO text, JSON as text;
    both read dates back as dates and JSON as text, jsonb with its own key order).

    PostgreSQL is given dates, times and JSON as text too: the server reads them by the
    column's type, in COPY as in a parameter (psycopg sends a str untyped). psycopg's own
    dumpers cost more: 3.2 µs for an aware datetime, 1 µs for a date, a Python call for
    Jsonb; a follow-up row went from 10.4 to about 2 µs to format for COPY."""
    if connection.vendor == "postgresql":
        return Adapters(
            date=_iso,
            datetime=_iso,
            json=dumps,
            json_equal=_json_equal_parsed,
            read_datetime=_same,
        )
    ops = connection.ops
    return Adapters(
        date=_iso,
        datetime=ops.adapt_datetimefield_value,
        json=dumps,
        json_equal=_json_equal_text,
        read_datetime=_sqlite_datetime,
    )


def _sqlite_datetime(value: str | None) -> dt.datetime | None:
    # Django keeps UTC as naive text ("2025-06-01 10:00:00[.ffffff]").
    return None if value is None else dt.datetime.fromisoformat(value).replace(tzinfo=dt.UTC)


def _same(value: Any) -> Any:
    return value


# The decoder's scanner alone: jsonb's text has no whitespace around it to strip, and
# json.loads costs two regular expressions and two Python calls more per value.
_scan_json = json.JSONDecoder().scan_once  # type: ignore[attr-defined]


def _json_equal_parsed(stored: Any, value: Any) -> bool:
    # jsonb keeps its own key order: compare the parsed value.
    return (_scan_json(stored, 0)[0] if isinstance(stored, str) else stored) == value


def _json_equal_text(stored: Any, value: Any) -> bool:
    # SQLite keeps the text JSONField wrote (json.dumps); another spelling of the same
    # value only costs a rewrite.
    return bool(stored == dumps(value))
