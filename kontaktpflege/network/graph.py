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
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field

import rustworkx as rx
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
    _bridges: dict[int, dict[int, list[tuple[int, int]]]] = field(default_factory=dict)

    def node(self, person_id: int) -> int | None:
        return self.index.get(person_id)

    def bridges(self, me: int) -> dict[int, list[tuple[int, int]]]:
        """Everyone two steps from me → [(payload of their tie, my contact)], strongest first.

        Computed once per graph and person; a query then costs only its targets' edges.
        """
        found = self._bridges.get(me)
        if found is None:
            found = _two_steps(self.rx, me)
            self._bridges[me] = found
        return found


def _two_steps(graph: rx.PyGraph, me: int) -> dict[int, list[tuple[int, int]]]:
    out: dict[int, list[tuple[int, int]]] = {}
    for a in graph.adj(me):
        for b, strength in graph.adj(a).items():
            if b != me:
                out.setdefault(b, []).append((strength, a))
    for found in out.values():
        if len(found) > 1:
            found.sort(key=lambda edge: (effective(edge[0]), edge[1]), reverse=True)
            del found[BRIDGE_CAP:]
    return out


def _stints(workspace_id: int) -> dict[int, list[tuple[dt.date, dt.date, int]]]:
    """Positions per organisation as (start, end, person id); open ends reach far."""
    by_org: dict[int, list[tuple[dt.date, dt.date, int]]] = {}
    rows = Employment.objects.filter(workspace_id=workspace_id).values_list(
        "organisation_id", "person_id", "start_date", "end_date", "is_current"
    )
    for org, person, start, end, current in rows.iterator(chunk_size=10_000):
        begin = start or dt.date.min
        finish = end or (dt.date.max if current else begin)
        by_org.setdefault(org, []).append((begin, finish, person))
    return by_org


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


def build(workspace_id: int, token: int) -> Graph:
    """Read the workspace's people, positions and relationships into a new graph."""
    ids = list(
        Person.objects.filter(workspace_id=workspace_id)
        .order_by()
        .values_list("id", flat=True)
        .iterator(chunk_size=20_000)
    )
    graph = rx.PyGraph(multigraph=False, node_count_hint=len(ids))
    index = dict(zip(ids, graph.add_nodes_from(ids), strict=True))
    get = index.get
    weak = []
    for stints in _stints(workspace_id).values():
        for a, b in colleague_pairs(stints):
            i, j = get(a), get(b)
            if i is not None and j is not None:
                weak.append((i, j, WEAK))
    graph.add_edges_from(weak)
    # Added after the weak edges: on the same pair, the relationship's payload wins.
    graph.add_edges_from(_relationship_edges(workspace_id, index))
    return Graph(workspace_id=workspace_id, token=token, rx=graph, index=index, ids=ids)


def _relationship_edges(workspace_id: int, index: dict[int, int]) -> list[tuple[int, int, int]]:
    """Raw rows (a million edges come in a second); ids outside the workspace are left out."""
    table = connection.ops.quote_name(Relationship._meta.db_table)
    get, edges = index.get, []
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT from_person_id, to_person_id, strength FROM {table} WHERE workspace_id = %s",
            [workspace_id],
        )
        while rows := cursor.fetchmany(50_000):
            for a, b, strength in rows:
                i, j = get(a), get(b)
                if i is not None and j is not None and i != j:  # no self-loops
                    edges.append((i, j, min(max(int(strength), 1), 5)))
    return edges


_CACHE: OrderedDict[int, Graph] = OrderedDict()
_LOCK = threading.Lock()


def graph_for(workspace_id: int, token: int) -> Graph:
    """The cached graph for this token, or a new one (one build at a time per process)."""
    with _LOCK:
        cached = _CACHE.get(workspace_id)
        if cached is not None and cached.token == token:
            _CACHE.move_to_end(workspace_id)
            return cached
        _CACHE.pop(workspace_id, None)  # free the old graph before building the new one
        graph = build(workspace_id, token)
        _CACHE[workspace_id] = graph
        while len(_CACHE) > MAX_WORKSPACES:
            _CACHE.popitem(last=False)
        return graph


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
