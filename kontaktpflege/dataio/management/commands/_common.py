"""Helpers shared by the data commands: choosing the workspace."""

from __future__ import annotations

from django.core.management.base import CommandError

from kontaktpflege.accounts.models import Workspace


def workspace_arg(value: str | None) -> Workspace:
    """A workspace by id or name; the only one when there is exactly one."""
    qs = Workspace.objects.all()
    if value:
        found = qs.filter(pk=int(value)) if value.isdigit() else qs.filter(name=value)
        workspace = found.first()
        if workspace is None:
            raise CommandError(f"No workspace {value!r}.")
        return workspace
    if qs.count() != 1:
        raise CommandError("Choose a workspace with --workspace (id or name).")
    return qs.get()
