"""Rows written in bulk without the ORM: COPY on PostgreSQL, executemany elsewhere.

`bulk_create` prepares every value of every row through the model's fields, which costs
more than the database's own work from a few thousand rows on. These helpers take plain
tuples whose values are already what the database stores (see `adapters`).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection, models
from psycopg.types.json import Jsonb


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
            # COPY streams the rows without planning a statement per row.
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
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


def existing_keys(model: type[models.Model], workspace_id: int, keys: Sequence[str]) -> list[str]:
    """Which of these keys the workspace's rows of `model` have (a `key` column); plain SQL,
    since preparing tens of thousands of IN parameters through the ORM costs seconds."""
    table = connection.ops.quote_name(model._meta.db_table)
    found: list[str] = []
    with connection.cursor() as cursor:
        for start in range(0, len(keys), 500):
            part = list(keys[start : start + 500])
            marks = ", ".join(["%s"] * len(part))
            cursor.execute(
                f"SELECT key FROM {table} WHERE workspace_id = %s AND key IN ({marks})",
                [workspace_id, *part],
            )
            found += [row[0] for row in cursor.fetchall()]
    return found


@dataclass(frozen=True)
class Adapters:
    """Python values → what the database stores, for the rows given to these helpers."""

    date: Callable[[dt.date | None], Any]
    datetime: Callable[[dt.datetime | None], Any]
    json: Callable[[Any], Any]


def _sqlite_date(value: dt.date | None) -> str | None:
    return None if value is None else value.isoformat()


def adapters() -> Adapters:
    """The adapters of the current database (SQLite keeps dates as ISO text, JSON as text)."""
    if connection.vendor == "postgresql":
        return Adapters(date=lambda v: v, datetime=lambda v: v, json=Jsonb)
    ops = connection.ops
    return Adapters(date=_sqlite_date, datetime=ops.adapt_datetimefield_value, json=json.dumps)
