"""Row snapshots for benchmarks: what a measured path wrote, written again, and undone.

A snapshot is every row of some tables inside a scope (a WHERE clause), keyed by primary key
(`rowid` for the SQLite search index). The difference of two snapshots is exactly the rows a
path inserted, updated and deleted. Floors write that difference again with the fastest
plain means (executemany; COPY on PostgreSQL), and a scenario that must leave the data as
it found it applies the difference backwards.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import connection, transaction

from kontaktpflege.contacts.search import FTS_TABLE

Rows = dict[Any, tuple]
DOMAIN_APPS = ("contacts", "touchpoints", "followups", "dataio", "messaging", "privacy")


@dataclass(frozen=True)
class Scope:
    """The rows of one table that a snapshot looks at."""

    table: str
    where: str
    params: tuple = ()
    key: str = "id"


@dataclass
class Snapshot:
    """Columns and rows of every scoped table."""

    columns: dict[str, list[str]] = field(default_factory=dict)
    rows: dict[str, Rows] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)


@dataclass
class Changes:
    """Rows inserted, updated (old, new) and deleted between two snapshots."""

    columns: dict[str, list[str]]
    keys: dict[str, str]
    inserted: dict[str, list[tuple]] = field(default_factory=dict)
    updated: dict[str, list[tuple[tuple, tuple]]] = field(default_factory=dict)
    deleted: dict[str, list[tuple]] = field(default_factory=dict)

    def count(self) -> int:
        parts = (self.inserted, self.updated, self.deleted)
        return sum(len(rows) for part in parts for rows in part.values())

    def reversed(self) -> Changes:
        return Changes(
            self.columns,
            self.keys,
            inserted=self.deleted,
            updated={t: [(new, old) for old, new in rows] for t, rows in self.updated.items()},
            deleted=self.inserted,
        )


def _domain_tables() -> list[tuple[str, set[str]]]:
    """(table, columns) of every model table of the apps a benchmark may write to."""
    tables = []
    for model in apps.get_models(include_auto_created=True):
        if model._meta.app_label in DOMAIN_APPS and model._meta.pk.column == "id":
            tables.append((model._meta.db_table, {f.column for f in model._meta.local_fields}))
    return sorted(tables)


def workspace_scopes(workspace_id: int) -> list[Scope]:
    """Every domain row of one workspace, the search index included."""
    people = "SELECT id FROM contacts_person WHERE workspace_id = %s"
    scopes = []
    for table, columns in _domain_tables():
        if "workspace_id" in columns:
            scopes.append(Scope(table, "workspace_id = %s", (workspace_id,)))
        elif "person_id" in columns:
            scopes.append(Scope(table, f"person_id IN ({people})", (workspace_id,)))
    if connection.vendor == "sqlite":
        scopes.append(Scope(FTS_TABLE, f"rowid IN ({people})", (workspace_id,), key="rowid"))
    return scopes


def max_ids() -> dict[str, int]:
    """The highest id of every domain table (rows above it are new)."""
    found = {}
    with connection.cursor() as cursor:
        for table, _columns in _domain_tables():
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
            found[table] = cursor.fetchone()[0]
    return found


def people_scopes(person_ids: list[int], since: dict[str, int]) -> list[Scope]:
    """These people's rows in every domain table, and every row added after `since`."""
    marks = ", ".join(["%s"] * len(person_ids))
    ids = tuple(person_ids)
    scopes = []
    for table, columns in _domain_tables():
        if table == "contacts_person":
            where, params = f"id IN ({marks}) OR id > %s", (*ids, since[table])
        elif "person_id" in columns:
            where, params = f"person_id IN ({marks}) OR id > %s", (*ids, since[table])
        else:
            where, params = "id > %s", (since[table],)
        scopes.append(Scope(table, where, params))
    if connection.vendor == "sqlite":
        scopes.append(Scope(FTS_TABLE, f"rowid IN ({marks})", ids, key="rowid"))
    return scopes


def snapshot(scopes: list[Scope]) -> Snapshot:
    """Read every scoped row now."""
    snap = Snapshot()
    with connection.cursor() as cursor:
        for scope in scopes:
            select = "rowid, *" if scope.key == "rowid" else "*"
            cursor.execute(f"SELECT {select} FROM {scope.table} WHERE {scope.where}", scope.params)
            columns = [c[0] for c in cursor.description]
            at = columns.index(scope.key)
            snap.columns[scope.table] = columns
            snap.keys[scope.table] = scope.key
            snap.rows[scope.table] = {row[at]: tuple(row) for row in cursor.fetchall()}
    return snap


def changes(before: Snapshot, after: Snapshot) -> Changes:
    """What happened to the scoped rows between two snapshots."""
    diff = Changes(after.columns, after.keys)
    for table, rows in after.rows.items():
        old = before.rows.get(table, {})
        diff.inserted[table] = [row for key, row in rows.items() if key not in old]
        diff.updated[table] = [
            (old[k], row) for k, row in rows.items() if k in old and old[k] != row
        ]
        diff.deleted[table] = [row for key, row in old.items() if key not in rows]
    return diff


def _adapt(row: tuple) -> tuple:
    """JSON values read from PostgreSQL come back as dicts and lists; wrap them to write."""
    if connection.vendor != "postgresql":
        return row
    from psycopg.types.json import Jsonb

    return tuple(Jsonb(v) if isinstance(v, dict | list) else v for v in row)


def _insert(cursor: Any, table: str, columns: list[str], rows: list[tuple]) -> None:
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    if connection.vendor == "postgresql":
        with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(_adapt(row))
        return
    marks = ", ".join(["%s"] * len(columns))
    cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)


@transaction.atomic
def apply(diff: Changes) -> None:
    """Write the changes in one transaction: deletes, then updates, then inserts."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table, rows in diff.deleted.items():
            key = diff.keys[table]
            at = diff.columns[table].index(key)
            if rows:
                sql = f"DELETE FROM {table} WHERE {key} = %s"
                cursor.executemany(sql, [(row[at],) for row in rows])
        for table, pairs in diff.updated.items():
            if not pairs:
                continue
            columns, key = diff.columns[table], diff.keys[table]
            at = columns.index(key)
            if key == "rowid":  # the search index: replace the row
                cursor.executemany(
                    f"DELETE FROM {table} WHERE rowid = %s", [(new[at],) for _o, new in pairs]
                )
                _insert(cursor, table, columns, [new for _old, new in pairs])
                continue
            sets = ", ".join(f"{quote(c)} = %s" for c in columns if c != key)
            params = [
                (*_adapt(tuple(v for i, v in enumerate(new) if i != at)), new[at])
                for _old, new in pairs
            ]
            cursor.executemany(f"UPDATE {table} SET {sets} WHERE {key} = %s", params)
        for table, rows in diff.inserted.items():
            if rows:
                _insert(cursor, table, diff.columns[table], rows)
