"""The one hook between facts and what is built on them.

Lower layers (accounts, contacts, touchpoints, imports) announce "facts about these people
changed", "these people are about to be deleted" or "a user got a workspace"; higher layers
(the follow-up engine, the touchpoint log, contacts) subscribe in their AppConfig.ready().
So facts never import the rules built on them, and `core` depends on nothing above it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.db import transaction

# fn(person_ids, answered_by) where answered_by maps a person to the touchpoint that
# answered their open items (or is empty).
FactsChanged = Callable[[list[int], dict[int, int]], None]
PeopleDeleting = Callable[[list[int]], None]
# fn(workspace, user): a user got a new personal workspace (contacts adds their own node).
WorkspaceCreated = Callable[[Any, Any], None]
# fn(workspace_id): who-knows-whom changed there (relationships, employments or people).
GraphChanged = Callable[[int], None]
# fn(touchpoint, person_ids): a touchpoint was logged with these people (inside its
# transaction, after the issue-10 return from "dormant"; applications completes activations).
TouchpointLogged = Callable[[Any, list[int]], None]

_changed: list[FactsChanged] = []
_deleting: list[PeopleDeleting] = []
_created: list[WorkspaceCreated] = []
_graph: list[GraphChanged] = []
_logged: list[TouchpointLogged] = []


def on_workspace_created(fn: WorkspaceCreated) -> WorkspaceCreated:
    """Subscribe to "a user got a new workspace" (inside the creating transaction)."""
    if fn not in _created:
        _created.append(fn)
    return fn


def workspace_created(workspace: Any, user: Any) -> None:
    """Announce a new personal workspace, so higher layers can add what belongs in it."""
    for fn in list(_created):
        fn(workspace, user)


def on_touchpoint_logged(fn: TouchpointLogged) -> TouchpointLogged:
    """Subscribe to "a touchpoint was logged with these people" (inside its transaction)."""
    if fn not in _logged:
        _logged.append(fn)
    return fn


def touchpoint_logged(touchpoint: Any, person_ids: list[int]) -> None:
    """Announce a newly logged touchpoint, so higher layers can finish what it concludes.

    Runs in the logging transaction: a subscriber's writes commit or roll back with the
    touchpoint. Subscribers must not announce facts_changed themselves; the touchpoint's
    own announcement (which closes the items it answers) follows after the commit.
    """
    for fn in list(_logged):
        fn(touchpoint, person_ids)


def on_facts_changed(fn: FactsChanged) -> FactsChanged:
    """Subscribe to "facts about these people changed" (used as a decorator)."""
    if fn not in _changed:
        _changed.append(fn)
    return fn


def on_people_deleting(fn: PeopleDeleting) -> PeopleDeleting:
    """Subscribe to "these people are about to be deleted" (inside the deleting transaction)."""
    if fn not in _deleting:
        _deleting.append(fn)
    return fn


def facts_changed(
    person_ids: Iterable[int],
    *,
    touchpoint_id: int | None = None,
    answered_by: dict[int, int] | None = None,
    on_commit: bool = True,
) -> None:
    """Announce changed facts; by default after the current transaction commits.

    `touchpoint_id` answers every person's open items; `answered_by` names the touchpoint
    per person instead (several touchpoints logged at once).
    """
    ids = sorted(set(person_ids))
    if not ids:
        return
    answered = dict.fromkeys(ids, touchpoint_id) if touchpoint_id is not None else {}
    answered.update(answered_by or {})

    def notify() -> None:
        for fn in list(_changed):
            fn(ids, answered)

    if on_commit:
        transaction.on_commit(notify)
    else:
        notify()


def people_deleting(person_ids: list[int]) -> None:
    """Let subscribers remove what belongs only to these people, in the same transaction."""
    for fn in list(_deleting):
        fn(person_ids)


def on_graph_changed(fn: GraphChanged) -> GraphChanged:
    """Subscribe to "who knows whom changed in this workspace" (the network's graph cache)."""
    if fn not in _graph:
        _graph.append(fn)
    return fn


def graph_changed(workspace_id: int) -> None:
    """Announce changed relationships, employments or people, inside the writing transaction.

    Subscribers act in the same transaction (not on commit), so a stamp they bump commits or
    rolls back together with the change it describes.
    """
    for fn in list(_graph):
        fn(workspace_id)
