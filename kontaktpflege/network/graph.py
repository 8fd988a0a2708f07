"""Who knows whom in one workspace, as a rustworkx graph on integer ids, cached per process.

Nodes are the workspace's people (payload: the person id). An edge's payload is the
relationship's strength 1–5, or WEAK (0) where two people only worked at the same
organisation at overlapping times (a Relationship between them overrides that).

The cache holds one built graph per workspace together with the workspace's GraphStamp
token; a reader compares the token (one indexed query) and rebuilds on a difference. The
token is renewed inside every transaction that changes relationships, employments or
people (core.facts.graph_changed), so a committed change is seen by the next query in every
process. The selectors that show paths load each person on them again from the database,
scoped to the workspace, and drop a path through anyone missing, so even a stale graph
could never show a deleted person or someone of another workspace.
"""

from __future__ import annotations

import datetime as dt
import gc
import itertools
import os
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import rustworkx as rx
from django.conf import settings
from django.db import connection

from kontaktpflege.contacts.models import Employment, Person, Relationship

WEAK = 0
# Shared employment says nothing at an organisation with more positions than this in the
# workspace (nobody knows all 500 people of a company); it also bounds the pairs per company.
MAX_COLLEAGUES = 150
# Per person two steps from me, the introducers kept (strongest ties to that person first).
BRIDGE_CAP = 16
# A target company with more people than this is searched through the first ones by id.
MAX_TARGETS = 2_000
MAX_WORKSPACES = 4  # graphs kept per process (memory stays bounded)
# A graph with this many edges is moved out of the garbage collector's way (see _settle).
SETTLE_EDGES = 100_000
# Dates as days since 1970: date.min and date.max, and a span wider than any date range.
FAR_BACK = (dt.date.min - dt.date(1970, 1, 1)).days
FAR_AHEAD = (dt.date.max - dt.date(1970, 1, 1)).days
SPAN = FAR_AHEAD - FAR_BACK + 1


def effective(strength: int) -> int:
    """An edge's strength for ranking: shared employment alone counts as a weak tie (1)."""
    return strength or 1


@dataclass
class Graph:
    """One workspace's graph at one stamp token."""

    workspace_id: int
    token: int
    rx: rx.PyGraph
    index: dict[int, int]  # person id → node
    ids: list[int]  # node → person id
    _bridges: dict[int, dict[int, tuple[tuple[int, int], ...]]] = field(default_factory=dict)

    def node(self, person_id: int) -> int | None:
        return self.index.get(person_id)

    def bridges(self, me: int) -> dict[int, tuple[tuple[int, int], ...]]:
        """Everyone two steps from me → [(payload of their tie, my contact)], strongest first.

        Computed once per graph and person; a query then costs only its targets' edges.
        """
        found = self._bridges.get(me)
        if found is None:
            found = _two_steps(self.rx, me)
            self._bridges[me] = found
            _settle(self)
        return found


def _settle(graph: Graph) -> None:
    """Move what exists now (a new large graph, its index) out of the collector's way:
    rustworkx lets the collector walk every node and edge payload, so each full collection
    in a later query took 100–250 ms at 1.9M edges (the query's p95). Frozen objects are
    still freed by reference counting when the cache drops the graph."""
    if graph.rx.num_edges() >= SETTLE_EDGES:
        gc.freeze()


def _two_steps(graph: rx.PyGraph, me: int) -> dict[int, tuple[tuple[int, int], ...]]:
    found: dict[int, list[tuple[int, int]]] = {}
    for a in graph.adj(me):
        for b, strength in graph.adj(a).items():
            if b != me:
                found.setdefault(b, []).append((strength, a))
    # Tuples of integers, not lists: the garbage collector can stop tracking them.
    return {
        b: tuple(
            sorted(edges, key=lambda edge: (effective(edge[0]), edge[1]), reverse=True)[:BRIDGE_CAP]
        )
        if len(edges) > 1
        else tuple(edges)
        for b, edges in found.items()
    }


def colleague_pairs(stints: list[tuple[dt.date, dt.date, int]]) -> Iterable[tuple[int, int]]:
    """Pairs of people whose positions at one organisation overlap (a sweep over starts)."""
    if len(stints) > MAX_COLLEAGUES:
        return
    stints = sorted(stints)
    for i, (_start, end, person) in enumerate(stints):
        for other_start, _other_end, other in stints[i + 1 :]:
            if other_start > end:
                break
            if other != person:
                yield person, other


def _days(column: str) -> str:
    """SQL for a date column as days since 1970 (NULL stays NULL)."""
    if connection.vendor == "postgresql":
        return f"({column} - DATE '1970-01-01')"
    return f"CAST(julianday({column}) - 2440587.5 AS INTEGER)"  # SQLite


def _stint_rows(workspace_id: int) -> tuple[np.ndarray, ...]:
    """Every position of the workspace as arrays (organisation, person, start, end in days);
    a missing start reaches far back, a missing end far ahead when current, else the start.
    The database computes the days, so a row comes as four integers."""
    table = connection.ops.quote_name(Employment._meta.db_table)
    begin = f"COALESCE({_days('start_date')}, {FAR_BACK})"
    open_end = f"CASE WHEN is_current THEN {FAR_AHEAD} ELSE {begin} END"
    finish = f"COALESCE({_days('end_date')}, {open_end})"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT organisation_id, person_id, {begin}, {finish} FROM {table} "
            "WHERE workspace_id = %s",
            [workspace_id],
        )
        rows = cursor.fetchall()
    flat = np.fromiter(itertools.chain.from_iterable(rows), dtype=np.int64, count=4 * len(rows))
    columns = flat.reshape(-1, 4).T
    return columns[0], columns[1], columns[2], columns[3]


def colleague_edges(
    org: np.ndarray, person: np.ndarray, start: np.ndarray, end: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """colleague_pairs for all organisations at once, vectorised (the same pairs; a pair
    may repeat when someone held two positions there).

    Positions sorted by (organisation, start); each position pairs with the ones after it
    that start before it ends, found by one binary search on (organisation, start) keys.
    """
    if not len(org):
        return person[:0], person[:0]
    _orgs, rank, sizes = np.unique(org, return_inverse=True, return_counts=True)
    keep = sizes[rank] <= MAX_COLLEAGUES
    rank, person, start, end = rank[keep], person[keep], start[keep], end[keep]
    order = np.lexsort((person, end, start, rank))
    rank, person, start, end = rank[order], person[order], start[order], end[order]
    key = rank * SPAN + (start - FAR_BACK)
    upto = np.searchsorted(key, rank * SPAN + (np.maximum(end, FAR_BACK) - FAR_BACK), "right")
    here = np.arange(len(key))
    counts = np.maximum(upto - here - 1, 0)
    first = np.repeat(here, counts)
    offsets = np.arange(len(first)) - np.repeat(np.cumsum(counts) - counts, counts)
    a, b = person[first], person[first + 1 + offsets]
    differ = a != b
    return a[differ], b[differ]


def _nodes(ids: np.ndarray, people: np.ndarray) -> np.ndarray:
    """Node numbers of person ids (ids sorted: node = position); -1 for an id not there."""
    if not len(ids):
        return np.full(len(people), -1, dtype=np.int64)
    at = np.searchsorted(ids, people)
    at[at == len(ids)] = 0
    return np.where(ids[at] == people, at, -1)


def read(workspace_id: int) -> tuple[np.ndarray, np.ndarray]:
    """The workspace's person ids (sorted: node = position) and distinct edges between
    nodes as (low, high, payload), from its people, positions and relationships."""
    ids = np.array(
        Person.objects.filter(workspace_id=workspace_id)
        .order_by("id")
        .values_list("id", flat=True),
        dtype=np.int64,
    )
    a, b = colleague_edges(*_stint_rows(workspace_id))
    weak = _edges(_nodes(ids, a), _nodes(ids, b), np.zeros(len(a), dtype=np.int64))
    # Added after the weak edges: on the same pair, the relationship's payload wins.
    edges = np.concatenate([weak, _relationship_edges(workspace_id, ids)])
    return ids, distinct(edges, len(ids))


def build(workspace_id: int, token: int) -> Graph:
    """Read the workspace's people, positions and relationships into a new graph."""
    return assemble(workspace_id, token, *read(workspace_id))


def _edges(i: np.ndarray, j: np.ndarray, payload: np.ndarray) -> np.ndarray:
    """An (n, 3) array of edges between nodes; pairs with an unknown node or a self-loop
    are left out."""
    ok = (i >= 0) & (j >= 0) & (i != j)
    return np.stack([i[ok], j[ok], payload[ok]], axis=1).astype(np.int64)


def _relationship_edges(workspace_id: int, ids: np.ndarray) -> np.ndarray:
    """Raw rows (a million edges come in a second); ids outside the workspace are left out."""
    table = connection.ops.quote_name(Relationship._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT from_person_id, to_person_id, strength FROM {table} WHERE workspace_id = %s",
            [workspace_id],
        )
        rows = cursor.fetchall()
    flat = np.fromiter(itertools.chain.from_iterable(rows), dtype=np.int64, count=3 * len(rows))
    flat = flat.reshape(-1, 3)
    strength = np.clip(flat[:, 2], 1, 5)
    return _edges(_nodes(ids, flat[:, 0]), _nodes(ids, flat[:, 1]), strength)


def distinct(edges: np.ndarray, nodes: int) -> np.ndarray:
    """Each pair once, (low, high, payload); on a pair given twice the later payload wins."""
    low, high = np.minimum(edges[:, 0], edges[:, 1]), np.maximum(edges[:, 0], edges[:, 1])
    key = (low * nodes + high)[::-1]
    _keys, last = np.unique(key, return_index=True)
    last = len(edges) - 1 - last
    return np.stack([low[last], high[last], edges[last, 2]], axis=1)


def assemble(workspace_id: int, token: int, ids: np.ndarray, edges: np.ndarray) -> Graph:
    """The graph from person ids (sorted) and distinct node edges (low, high, payload)."""
    graph = rx.PyGraph(multigraph=False, node_count_hint=len(ids), edge_count_hint=len(edges))
    people = ids.tolist()
    graph.add_nodes_from(people)
    i, j, payload = edges.T.tolist() if len(edges) else ([], [], [])
    graph.add_edges_from(list(zip(i, j, payload, strict=True)))
    index = dict(zip(people, range(len(people)), strict=True))
    return Graph(workspace_id=workspace_id, token=token, rx=graph, index=index, ids=people)


_CACHE: OrderedDict[int, Graph] = OrderedDict()
_LOCK = threading.Lock()


def _keep(graph: Graph) -> Graph:
    """Cache a graph (the caller holds the lock)."""
    if _CACHE.get(graph.workspace_id) is not graph:
        _CACHE[graph.workspace_id] = graph
        _settle(graph)
    while len(_CACHE) > MAX_WORKSPACES:
        _CACHE.popitem(last=False)
    return graph


def _cached(workspace_id: int, token: int) -> Graph | None:
    cached = _CACHE.get(workspace_id)
    if cached is not None and cached.token == token:
        _CACHE.move_to_end(workspace_id)
        return cached
    _CACHE.pop(workspace_id, None)  # free the old graph before building the new one
    return None


def graph_for(workspace_id: int, token: int) -> Graph:
    """The cached graph for this token, or a new one (one build at a time per process)."""
    with _LOCK:
        return _cached(workspace_id, token) or _keep(build(workspace_id, token))


def graph_ready(workspace_id: int, token: int) -> Graph | None:
    """The graph for this token if it is quick to have: cached in this process, prepared by
    the worker (a snapshot file), or a small workspace's built now (a few ms). None for a
    large workspace nobody has prepared yet: the caller asks the worker for it."""
    with _LOCK:
        found = _cached(workspace_id, token)
        if found is None:
            found = snapshot_read(workspace_id, token)
        if found is None and _is_small(workspace_id):
            found = build(workspace_id, token)
        return None if found is None else _keep(found)


def _is_small(workspace_id: int) -> bool:
    limit = settings.GRAPH_IN_REQUEST_PEOPLE
    return not Person.objects.filter(workspace_id=workspace_id).order_by()[limit : limit + 1]


# -- snapshots: the worker builds, web processes load ---------------------------------------


def snapshot_path(workspace_id: int, token: int) -> Path:
    return Path(settings.GRAPH_DIR) / f"{workspace_id}-{token}.npz"


def snapshot_write(workspace_id: int, token: int, ids: np.ndarray, edges: np.ndarray) -> Path:
    """Store a graph's ids and edges for this token (written aside, then renamed, so a reader
    never sees half a file); the workspace's snapshots of other tokens are removed."""
    path = snapshot_path(workspace_id, token)
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(f".{path.stem}.{os.getpid()}.part.npz")
    np.savez(part, ids=ids, edges=edges.astype(np.int64))
    os.replace(part, path)
    for old in path.parent.glob(f"{workspace_id}-*.npz"):
        if old != path:
            old.unlink(missing_ok=True)
    return path


def snapshot_read(workspace_id: int, token: int) -> Graph | None:
    """The graph from the snapshot of this token, or None when there is none (or it is
    unreadable: then the worker prepares it again)."""
    try:
        with np.load(snapshot_path(workspace_id, token), allow_pickle=False) as data:
            ids, edges = data["ids"], data["edges"]
    except (OSError, KeyError, ValueError):
        return None
    return assemble(workspace_id, token, ids, edges)


def forget(workspace_id: int | None = None) -> None:
    """Drop cached graphs (all of them without an id)."""
    with _LOCK:
        if workspace_id is None:
            _CACHE.clear()
        else:
            _CACHE.pop(workspace_id, None)


@dataclass(frozen=True)
class RawPath:
    """A path from me to a target as person ids, with each hop's edge payload."""

    ids: tuple[int, ...]
    strengths: tuple[int, ...]

    @property
    def degree(self) -> int:
        return len(self.ids) - 1

    @property
    def onward(self) -> int:
        """The weakest tie after the first hop (how well the introducer reaches the target)."""
        return min((effective(s) for s in self.strengths[1:]), default=5)


@dataclass
class Found:
    """What the graph knows about reaching a set of targets from me."""

    first: list[RawPath] = field(default_factory=list)
    # introducer id → (best path, number of targets they reach)
    introducers: dict[int, tuple[RawPath, int]] = field(default_factory=dict)
    targets: int = 0
    truncated: bool = False
    candidates: int = 0  # introducers found before keeping the best `keep`


def search(graph: Graph, me_id: int, target_ids: Iterable[int], keep: int = 200) -> Found:
    """First-degree targets and, per introducer, the best path of two or three steps.

    Work is bounded by the targets' edges times BRIDGE_CAP; cycles and repeated people are
    harmless because paths are built from sets of distinct nodes, never by walking.
    """
    found = Found()
    me = graph.node(me_id)
    if me is None:
        return found
    nodes = sorted({n for t in target_ids if (n := graph.node(t)) is not None} - {me})
    found.truncated = len(nodes) > MAX_TARGETS
    targets = set(nodes[:MAX_TARGETS])
    found.targets = len(targets)
    g, pid = graph.rx, graph.ids
    mine = g.adj(me)
    bridges = graph.bridges(me)
    # introducer → ((-degree, onward), nodes, payloads); the greater key is the better path
    best: dict[int, tuple[tuple[int, int], tuple[int, ...], tuple[int, ...]]] = {}
    reach: dict[int, set[int]] = {}
    for t in sorted(targets):
        if t in mine:
            found.first.append(RawPath((me_id, pid[t]), (mine[t],)))
        for b, to_target in g.adj(t).items():
            if b == me or b in targets:
                continue
            onward = to_target or 1
            if b in mine:
                key = (-2, onward)
                old = best.get(b)
                if old is None or key > old[0]:
                    best[b] = (key, (b, t), (mine[b], to_target))
                reach.setdefault(b, set()).add(t)
            for to_bridge, a in bridges.get(b, ()):
                if a in targets or a == b:  # a == b only on a self-loop
                    continue
                key = (-3, min(to_bridge or 1, onward))
                old = best.get(a)
                if old is None or key > old[0]:
                    best[a] = (key, (a, b, t), (mine[a], to_bridge, to_target))
                reach.setdefault(a, set()).add(t)
    # Only the best by the graph alone (degree, my tie, reach) become paths to score afresh.
    ranked = sorted(
        best.items(),
        key=lambda item: (item[1][0][0], effective(mine[item[0]]), len(reach[item[0]])),
        reverse=True,
    )
    found.candidates = len(ranked)
    for a, (_key, via, payloads) in ranked[:keep]:
        path = RawPath((me_id, *(pid[n] for n in via)), payloads)
        found.introducers[pid[a]] = (path, len(reach[a]))
    return found
