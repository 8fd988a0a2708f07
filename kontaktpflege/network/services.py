"""Writes of the network app: the graph's version stamp, and its snapshot for web processes."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import threading
import time

from django.db import DatabaseError, transaction
from django.utils import timezone

from kontaktpflege.contacts.models import Person
from kontaktpflege.network import graph
from kontaktpflege.network.models import GraphStamp

logger = logging.getLogger(__name__)


def _token() -> int:
    return secrets.randbits(62) + 1  # never 0, the value of "no stamp yet"


def graph_stamp_renew(workspace_id: int) -> None:
    """Give the workspace's graph a new token, so every process rebuilds its cached graph.

    Runs inside the transaction that changed the graph: the token commits or rolls back
    with the change (a reader never pairs the new token with the old data).
    """
    if not GraphStamp.objects.filter(workspace_id=workspace_id).update(token=_token()):
        GraphStamp.objects.bulk_create(
            [GraphStamp(workspace_id=workspace_id, token=_token())], ignore_conflicts=True
        )
        GraphStamp.objects.filter(workspace_id=workspace_id).update(token=_token())


def graph_stamp_get(workspace_id: int) -> int:
    """The workspace's current token, created on first use."""
    token = GraphStamp.objects.filter(workspace_id=workspace_id).values_list("token", flat=True)
    found = token.first()
    if found is None:
        graph_stamp_renew(workspace_id)
        found = token.first()
    return found or 0


def graph_prepare(workspace_id: int) -> int:
    """Build the workspace's graph for its current token, with the two-step index of every
    member's own node, and store it as a snapshot that web processes load (the worker's
    task; nothing to do when it exists). Returns its edges."""
    token = graph_stamp_get(workspace_id)
    if graph.snapshot_path(workspace_id, token).exists():
        return 0
    built = graph.assemble(workspace_id, token, *graph.read(workspace_id))
    members = Person.objects.filter(workspace_id=workspace_id, user__isnull=False)
    graph.snapshot_write(built, members.values_list("id", flat=True))
    return built.num_edges


def graph_snapshots_tidy() -> int:
    """Remove the snapshots of deleted workspaces and of versions no longer current (the
    worker's periodic housekeeping). Returns how many files went."""
    current = dict(GraphStamp.objects.values_list("workspace_id", "token"))
    return len(graph.snapshots_tidy(current))


# A change to a large workspace's graph asks the worker for the new version once this many
# seconds have passed without a further change (an import's chunks commit one after
# another: one build at the end), but never later than REBUILD_AT_MOST after the first.
REBUILD_AFTER = 5.0
REBUILD_AT_MOST = 60.0
_PENDING = threading.local()


def graph_rebuild_soon(workspace_id: int) -> None:
    """After the current transaction commits, have the worker rebuild a large workspace's
    graph without waiting for a page to ask (core.facts.graph_changed; once per transaction
    and workspace, so an import's many changes in one transaction ask once)."""
    connection = transaction.get_connection()
    pending: dict[int, list] = _PENDING.__dict__.setdefault("hooks", {})
    # Django starts a new list of on-commit hooks at every commit and rollback: the same
    # list means our hook for this workspace is still waiting in it.
    if connection.in_atomic_block and pending.get(workspace_id) is connection.run_on_commit:
        return

    def enqueue() -> None:
        if graph.is_large(workspace_id):
            graph_rebuild_enqueue(workspace_id)

    transaction.on_commit(enqueue, robust=True)  # a failure is logged; the change stands
    if connection.in_atomic_block:
        pending[workspace_id] = connection.run_on_commit
    else:
        pending.pop(workspace_id, None)


def graph_rebuild_enqueue(workspace_id: int) -> None:
    """Queue the workspace's rebuild a few seconds from now, or push a queued one that has
    not started back by that much (debounced; capped at REBUILD_AT_MOST after its queueing)."""
    from kontaktpflege.network.tasks import graph_prepare as task

    now = timezone.now()
    later = now + dt.timedelta(seconds=REBUILD_AFTER)
    try:
        if _is_database_queue():
            if _postpone_queued(task.module_path, workspace_id, now, later):
                return
        else:  # a backend without a queue of its own (tests: the immediate one) runs it now
            task.enqueue(workspace_id)
            return
        task.using(run_after=later).enqueue(workspace_id)
    except DatabaseError:
        logger.exception("could not queue the graph of workspace %s", workspace_id)


def _postpone_queued(
    task_path: str, workspace_id: int, now: dt.datetime, later: dt.datetime
) -> bool:
    """Move a queued, not yet started build of this workspace to `later` (but no further
    than REBUILD_AT_MOST after its queueing); False when there is none."""
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    queued = DBTaskResult.objects.filter(task_path=task_path, status=TaskResultStatus.READY)
    for pk, args, enqueued_at in queued.values_list("id", "args_kwargs", "enqueued_at"):
        if args.get("args") == [workspace_id]:
            latest = enqueued_at + dt.timedelta(seconds=REBUILD_AT_MOST)
            queued.filter(pk=pk).update(run_after=max(min(later, latest), now))
            return True
    return False


def _is_database_queue() -> bool:
    from kontaktpflege.network.tasks import graph_prepare as task

    return bool(task.get_backend().supports_defer)


_ASKED: dict[int, tuple[int, float]] = {}
ASK_AGAIN_AFTER = 60.0  # seconds; a page that polls asks the worker once a minute at most


def graph_prepare_request(workspace_id: int, token: int) -> None:
    """Ask the worker for this token's graph (once per process and minute: pages poll)."""
    from kontaktpflege.network.tasks import graph_prepare as task

    now = time.monotonic()
    asked = _ASKED.get(workspace_id)
    if asked is not None and asked[0] == token and now - asked[1] < ASK_AGAIN_AFTER:
        return
    _ASKED[workspace_id] = (token, now)
    try:
        task.enqueue(workspace_id)
    except DatabaseError:
        _ASKED.pop(workspace_id, None)
        logger.exception("could not queue the graph of workspace %s", workspace_id)
