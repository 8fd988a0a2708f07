"""Writes of the network app: only the graph's version stamp."""

from __future__ import annotations

import secrets

from kontaktpflege.network.models import GraphStamp


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
