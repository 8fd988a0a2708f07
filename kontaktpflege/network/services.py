"""Writes of the network app: the graph's version stamp, and its snapshot for web processes."""

from __future__ import annotations

import logging
import secrets
import time

from django.db import DatabaseError

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
    """Build the workspace's graph for its current token and store it as a snapshot that web
    processes load (the worker's task; nothing to do when it exists). Returns its edges."""
    token = graph_stamp_get(workspace_id)
    if graph.snapshot_path(workspace_id, token).exists():
        return 0
    ids, edges = graph.read(workspace_id)
    graph.snapshot_write(workspace_id, token, ids, edges)
    return len(edges)


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
