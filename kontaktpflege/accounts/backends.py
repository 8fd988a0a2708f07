"""The login backend: the user and their workspace membership in one read per request."""

from __future__ import annotations

import functools
from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.db import connections, router
from django.db.models import Model

from kontaktpflege.accounts.models import Membership, User, Workspace

_JOINED = (("u", User), ("m", Membership), ("w", Workspace))


@functools.cache
def _member_sql(alias: str) -> str:
    """The membership of the active workspace (else the oldest) with its user and workspace.

    Written once per process from the models' columns: Django builds the SQL of an ORM query
    anew on every call, which on this path cost more than the query itself.
    """
    q = connections[alias].ops.quote_name
    columns = ", ".join(
        f"{alias}.{q(f.column)}" for alias, model in _JOINED for f in model._meta.concrete_fields
    )
    m, u, w = (q(model._meta.db_table) for model in (Membership, User, Workspace))
    return (
        f"SELECT {columns} FROM {m} m JOIN {u} u ON u.{q('id')} = m.{q('user_id')}"
        f" JOIN {w} w ON w.{q('id')} = m.{q('workspace_id')} WHERE m.{q('user_id')} = %s"
        f" ORDER BY CASE WHEN m.{q('workspace_id')} = u.{q('active_workspace_id')}"
        f" THEN 0 ELSE 1 END, m.{q('id')} LIMIT 1"
    )


def _instances(alias: str, row: tuple[Any, ...]) -> list[Model]:
    """User, membership and workspace from one row, as the ORM would load them."""
    loaded: list[Model] = []
    start = 0
    connection = connections[alias]
    for _name, model in _JOINED:
        fields = model._meta.concrete_fields
        names = [f.attname for f in fields]
        values = list(row[start : start + len(fields)])
        converters = connection.ops.get_db_converters
        for i, field in enumerate(fields):
            for convert in converters(field.get_col(model._meta.db_table)) + (
                field.get_db_converters(connection)  # type: ignore[attr-defined]
            ):
                values[i] = convert(values[i], field, connection)
        loaded.append(model.from_db(alias, names, values))
        start += len(fields)
    return loaded


class MemberBackend(ModelBackend):
    """Django's model backend; loading a logged-in user also loads their default membership.

    Every logged-in request reads the user (to check the session against the password) and
    then the membership of the active workspace (WorkspaceMiddleware). One query with a join
    returns both; the membership it found is kept on the user for `default_membership`, so
    the middleware needs no second read. The user row is still read on every request: a
    changed password, a deactivated account or a removed membership takes effect at once in
    every web process.
    """

    def get_user(self, user_id: Any) -> User | None:
        alias = router.db_for_read(User)
        try:
            pk = User._meta.pk.to_python(user_id)  # type: ignore[union-attr]
        except Exception:
            return None
        with connections[alias].cursor() as cursor:
            cursor.execute(_member_sql(alias), [pk])
            row = cursor.fetchone()
        if row is None:
            found: Any = super().get_user(user_id)
            if found is not None:
                found.default_membership_loaded = None
            return found  # type: ignore[no-any-return]
        user: Any
        user, membership, workspace = _instances(alias, row)
        membership.user = user  # type: ignore[attr-defined]
        membership.workspace = workspace  # type: ignore[attr-defined]
        user.default_membership_loaded = membership
        return user if self.user_can_authenticate(user) else None  # type: ignore[no-any-return]
