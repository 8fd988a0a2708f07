"""Background tasks (django-tasks, database backend): take ids, call a service."""

from __future__ import annotations

from django_tasks import task


@task()
def graph_prepare(workspace_id: int) -> int:
    """Build a large workspace's graph for its current version, out of the web request."""
    from kontaktpflege.network.services import graph_prepare as prepare

    return prepare(workspace_id)


@task()
def graph_snapshots_tidy() -> int:
    """Periodic (scheduler): remove snapshots of deleted workspaces and stale versions."""
    from kontaktpflege.network.services import graph_snapshots_tidy as tidy

    return tidy()
