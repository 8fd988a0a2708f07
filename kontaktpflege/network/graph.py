"""Who knows whom in one workspace, as a graph on integer ids, cached per process.

Nodes are the workspace's people (node n is the n-th person id). An edge's payload is the
relationship's strength 1–5, or WEAK (0) where two people only worked at the same
organisation at overlapping times (a Relationship between them overrides that). The graph
is held as compressed adjacency arrays (numpy CSR): searches are array operations over the
targets' edges and a per-person two-step index, without a Python loop over neighbours, and
the graph is a handful of arrays the garbage collector never walks. rustworkx builds the
same graph for the benchmark's floor (to_rx).

The cache holds one graph per workspace together with the workspace's GraphStamp token; a
reader compares the token (one indexed query) and takes another graph on a difference. The
token is renewed inside every transaction that changes relationships, employments or
people (core.facts.graph_changed), so a committed change is seen by the next query in every
process. A large workspace's graph is built by the worker (with the two-step index of each
member) and stored as a snapshot per token, which web processes load in a background
thread. The selectors that show paths load each person on them again from the database,
scoped to the workspace, and drop a path through anyone missing, so even a stale graph
could never show a deleted person or someone of another workspace.
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import os
import re
import threading
import time
import zipfile
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
# A write aside older than this (seconds) was left by a crashed process.
PART_TTL = 3600
# Dates as days since 1970: date.min and date.max, and a span wider than any date range.
FAR_BACK = (dt.date.min - dt.date(1970, 1, 1)).days
FAR_AHEAD = (dt.date.max - dt.date(1970, 1, 1)).days
SPAN = FAR_AHEAD - FAR_BACK + 1

logger = logging.getLogger(__name__)


def effective(strength: int) -> int:
    """An edge's strength for ranking: shared employment alone counts as a weak tie (1)."""
    return strength or 1


@dataclass(frozen=True)
class Steps:
    """Everyone two steps from me, as arrays over nodes (computed once per graph and person).

    For a node b, entries ptr[b]:ptr[b + 1] of `via` and `strength` are my contacts who know
    b and the payload of their tie to b, strongest first (then the higher node), at most
    BRIDGE_CAP of them. `mine` is the payload of my tie to each node, -1 where there is none.
    """

    mine: np.ndarray  # node → my payload, -1 (int8)
    ptr: np.ndarray  # node → offsets (int64, nodes + 1)
    via: np.ndarray  # my contact (int32)
    strength: np.ndarray  # payload of their tie to the node (int8)


@dataclass
class Graph:
    """One workspace's graph at one stamp token, as compressed adjacency arrays (CSR).

    Node n is the person ids[n] (ids sorted); its neighbours are nbr[ptr[n]:ptr[n + 1]]
    (ascending) with the edges' payloads in pay. A handful of numpy arrays: nothing for the
    garbage collector to walk, and a snapshot loads in milliseconds.
    """

    workspace_id: int
    token: int
    ids: np.ndarray  # node → person id (int64, sorted)
    ptr: np.ndarray  # node → offsets into nbr/pay (int64, nodes + 1)
    nbr: np.ndarray  # neighbour nodes (int32)
    pay: np.ndarray  # edge payloads (int8)
    _steps: dict[int, Steps] = field(default_factory=dict)

    @property
    def num_nodes(self) -> int:
        return len(self.ids)

    @property
    def num_edges(self) -> int:
        loops = int(np.count_nonzero(self.nbr == np.repeat(self._all_nodes(), self.degrees())))
        return (len(self.nbr) + loops) // 2

    def _all_nodes(self) -> np.ndarray:
        return np.arange(len(self.ids), dtype=np.int32)

    def degrees(self) -> np.ndarray:
        return np.diff(self.ptr)

    def node(self, person_id: int) -> int | None:
        at = int(np.searchsorted(self.ids, person_id))
        return at if at < len(self.ids) and self.ids[at] == person_id else None

    def adj(self, node: int) -> dict[int, int]:
        """Neighbour → payload of one node (for tests and the bench)."""
        lo, hi = self.ptr[node], self.ptr[node + 1]
        return dict(zip(self.nbr[lo:hi].tolist(), self.pay[lo:hi].tolist(), strict=True))

    def edges(self) -> np.ndarray:
        """Each edge once as (low node, high node, payload)."""
        src = np.repeat(self._all_nodes(), self.degrees())
        once = src <= self.nbr
        return np.stack([src[once], self.nbr[once], self.pay[once]], axis=1).astype(np.int64)

    def steps(self, me: int) -> Steps:
        """The two-step index from me (the worker stores it with the graph; a person it did
        not foresee gets it computed here, a few milliseconds of numpy)."""
        found = self._steps.get(me)
        if found is None:
            found = two_steps(self.ptr, self.nbr, self.pay, me)
            self._steps[me] = found
        return found


def to_rx(graph: Graph) -> rx.PyGraph:
    """The same graph as a rustworkx graph (node n = ids[n]; the bench's floor, tests)."""
    g = rx.PyGraph(multigraph=False, node_count_hint=graph.num_nodes)
    g.add_nodes_from(graph.ids.tolist())
    g.add_edges_from([tuple(edge) for edge in graph.edges().tolist()])
    return g


def _ranges(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """The concatenated ranges starts[k] .. starts[k] + counts[k] (one array, no loop)."""
    total = int(counts.sum())
    if not total:
        return np.zeros(0, dtype=np.int64)
    ends = np.cumsum(counts)
    return np.arange(total, dtype=np.int64) + np.repeat(starts - (ends - counts), counts)


def _group_rank(keys: np.ndarray) -> np.ndarray:
    """Position of each element within its run of equal (sorted) keys: 0, 1, 2, 0, 1, …"""
    if not len(keys):
        return np.zeros(0, dtype=np.int64)
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    return np.arange(len(keys)) - np.repeat(starts, np.diff(np.r_[starts, len(keys)]))


def _offsets(keys: np.ndarray, nodes: int) -> np.ndarray:
    ptr = np.zeros(nodes + 1, dtype=np.int64)
    np.cumsum(np.bincount(keys, minlength=nodes), out=ptr[1:])
    return ptr


def two_steps(ptr: np.ndarray, nbr: np.ndarray, pay: np.ndarray, me: int) -> Steps:
    """Steps from me: per node b two steps away, my contacts a who know b, by the payload
    of a–b (as effective strength) then a, both descending, at most BRIDGE_CAP."""
    nodes = len(ptr) - 1
    lo, hi = ptr[me], ptr[me + 1]
    contacts, payloads = nbr[lo:hi], pay[lo:hi]
    other = contacts != me
    contacts, payloads = contacts[other], payloads[other]
    mine = np.full(nodes, -1, dtype=np.int8)
    mine[contacts] = payloads
    counts = ptr[contacts + 1] - ptr[contacts]
    at = _ranges(ptr[contacts], counts)
    b, strength = nbr[at], pay[at]
    a = np.repeat(contacts, counts)
    other = b != me
    b, strength, a = b[other], strength[other], a[other]
    order = np.lexsort((-a.astype(np.int64), -np.maximum(strength, 1).astype(np.int64), b))
    b, strength, a = b[order], strength[order], a[order]
    kept = _group_rank(b) < BRIDGE_CAP
    b, strength, a = b[kept], strength[kept], a[kept]
    return Steps(
        mine=mine,
        ptr=_offsets(b, nodes),
        via=a.astype(np.int32),
        strength=strength.astype(np.int8),
    )


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
    nodes = len(ids)
    edges = np.asarray(edges, dtype=np.int64).reshape(-1, 3)
    i, j, payload = edges[:, 0], edges[:, 1], edges[:, 2]
    loop = i == j  # listed once among the node's neighbours
    src = np.concatenate([i, j[~loop]])
    dst = np.concatenate([j, i[~loop]])
    both = np.concatenate([payload, payload[~loop]])
    order = np.argsort(src * max(nodes, 1) + dst, kind="stable")  # by node, then neighbour
    return Graph(
        workspace_id=workspace_id,
        token=token,
        ids=np.asarray(ids, dtype=np.int64),
        ptr=_offsets(src, nodes),
        nbr=dst[order].astype(np.int32),
        pay=both[order].astype(np.int8),
    )


_CACHE: OrderedDict[int, Graph] = OrderedDict()
_LOCK = threading.Lock()
_LOADING: dict[tuple[int, int], threading.Thread] = {}


def _keep(graph: Graph) -> Graph:
    """Cache a graph (the caller holds the lock)."""
    _CACHE[graph.workspace_id] = graph
    _CACHE.move_to_end(graph.workspace_id)
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
    """The graph for this token if it is quick to have: cached in this process, a small
    workspace's built now (a few ms), or the worker's snapshot loaded by a background thread
    within settings.GRAPH_LOAD_WAIT_MS. None otherwise (still loading, or nobody has
    prepared it: the caller asks the worker); a request never waits longer than that."""
    key = (workspace_id, token)
    with _LOCK:
        found = _cached(workspace_id, token)
        if found is not None:
            return found
        loader = _LOADING.get(key)
        if loader is None:
            if not snapshot_path(workspace_id, token).exists():
                return _keep(build(workspace_id, token)) if _is_small(workspace_id) else None
            loader = threading.Thread(
                target=_load, args=key, name=f"graph-load-{workspace_id}", daemon=True
            )
            _LOADING[key] = loader
            loader.start()
    loader.join(settings.GRAPH_LOAD_WAIT_MS / 1000)
    with _LOCK:
        return _cached(workspace_id, token)


def _load(workspace_id: int, token: int) -> None:
    """Load a snapshot into the cache (a background thread; files only, no database)."""
    try:
        found = snapshot_read(workspace_id, token)
        with _LOCK:
            if found is not None:
                _keep(found)
    except Exception:
        logger.exception("could not load the graph of workspace %s", workspace_id)
    finally:
        with _LOCK:
            _LOADING.pop((workspace_id, token), None)


def loading() -> list[threading.Thread]:
    """The snapshot loads under way in this process (tests wait for them)."""
    with _LOCK:
        return list(_LOADING.values())


def _is_small(workspace_id: int) -> bool:
    limit = settings.GRAPH_IN_REQUEST_PEOPLE
    return not Person.objects.filter(workspace_id=workspace_id).order_by()[limit : limit + 1]


def is_large(workspace_id: int) -> bool:
    """Whether the worker builds this workspace's graph (more people than the web may build)."""
    return not _is_small(workspace_id)


# -- snapshots: the worker builds, web processes load ---------------------------------------

SNAPSHOT = re.compile(r"^(\d+)-(\d+)\.npz$")
ARRAYS = ("ids", "ptr", "nbr", "pay")
STEP_ARRAYS = ("mine", "ptr", "via", "strength")


def snapshot_path(workspace_id: int, token: int) -> Path:
    return Path(settings.GRAPH_DIR) / f"{workspace_id}-{token}.npz"


def snapshot_write(graph: Graph, me_ids: Iterable[int] = ()) -> Path:
    """Store a graph and the two-step index of each of `me_ids` (the members' own nodes) for
    its token, written aside then renamed, so a reader never sees half a file; the
    workspace's snapshots of other tokens are removed."""
    path = snapshot_path(graph.workspace_id, graph.token)
    path.parent.mkdir(parents=True, exist_ok=True)
    arrays = {name: getattr(graph, name) for name in ARRAYS}
    mes = [n for pk in me_ids if (n := graph.node(pk)) is not None]
    arrays["me"] = np.array(mes, dtype=np.int64)
    for k, me in enumerate(mes):
        steps = graph.steps(me)
        for name in STEP_ARRAYS:
            arrays[f"steps{k}_{name}"] = getattr(steps, name)
    part = path.with_name(f".{path.stem}.{os.getpid()}.{threading.get_ident()}.part.npz")
    np.savez(part, **arrays)
    os.replace(part, path)
    for old in path.parent.glob(f"{graph.workspace_id}-*.npz"):
        if old != path:
            old.unlink(missing_ok=True)
    return path


def snapshot_read(workspace_id: int, token: int) -> Graph | None:
    """The graph (with its two-step indexes) from the snapshot of this token, or None when
    there is none; an unreadable one is removed, so the worker prepares it again."""
    path = snapshot_path(workspace_id, token)
    try:
        with np.load(path, allow_pickle=False) as data:
            graph = Graph(workspace_id, token, *(data[name] for name in ARRAYS))
            for k, me in enumerate(data["me"].tolist()):
                steps = Steps(*(data[f"steps{k}_{name}"] for name in STEP_ARRAYS))
                graph._steps[me] = steps
    except FileNotFoundError:
        return None
    except (OSError, KeyError, ValueError, TypeError, zipfile.BadZipFile):
        logger.warning("unreadable graph snapshot %s removed", path)
        path.unlink(missing_ok=True)
        return None
    return graph


def snapshots_tidy(current: dict[int, int]) -> list[Path]:
    """Remove snapshots whose workspace is gone or whose token is no longer current
    (`current`: workspace id → token), and writes a crashed process left. Returns them."""
    folder = Path(settings.GRAPH_DIR)
    removed: list[Path] = []
    if not folder.is_dir():
        return removed
    stale_part = time.time() - PART_TTL
    for path in folder.iterdir():
        match = SNAPSHOT.match(path.name)
        if match:
            workspace_id, token = int(match[1]), int(match[2])
            if current.get(workspace_id) == token:
                continue
        elif not (path.name.endswith(".part.npz") and path.stat().st_mtime < stale_part):
            continue
        path.unlink(missing_ok=True)
        removed.append(path)
    return removed


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

    Array work bounded by the targets' edges times BRIDGE_CAP, no loop over neighbours;
    cycles and repeated people are harmless because paths are built from sets of distinct
    nodes, never by walking. Of equally good paths, an introducer keeps the first met in
    the order (target, neighbour, bridge rank); equally ranked introducers keep it too.
    """
    found = Found()
    me = graph.node(me_id)
    if me is None:
        return found
    wanted = np.fromiter(target_ids, dtype=np.int64)
    nodes = _nodes(graph.ids, np.unique(wanted))
    nodes = nodes[(nodes >= 0) & (nodes != me)]  # unique and ascending, as the ids are
    found.truncated = len(nodes) > MAX_TARGETS
    targets = nodes[:MAX_TARGETS]
    found.targets = len(targets)
    if not len(targets):
        return found
    steps = graph.steps(me)
    mine, pid = steps.mine, graph.ids
    first = targets[mine[targets] >= 0]
    found.first = [
        RawPath((me_id, person), (payload,))
        for person, payload in zip(pid[first].tolist(), mine[first].tolist(), strict=True)
    ]
    is_target = np.zeros(graph.num_nodes, dtype=bool)
    is_target[targets] = True
    # Every edge (t, b) from a target to someone who is neither me nor a target.
    counts = graph.ptr[targets + 1] - graph.ptr[targets]
    at = _ranges(graph.ptr[targets], counts)
    t, b, to_target = np.repeat(targets, counts), graph.nbr[at], graph.pay[at]
    ok = (b != me) & ~is_target[b]
    t, b, to_target = t[ok], b[ok], to_target[ok]
    onward = np.maximum(to_target, 1)
    # Degree 2: b is my contact. Degree 3: my contact a knows b (b's bridges).
    direct = np.flatnonzero(mine[b] >= 0)
    counts = steps.ptr[b + 1] - steps.ptr[b]
    at = _ranges(steps.ptr[b], counts)
    row = np.repeat(np.arange(len(b)), counts)
    rank = _group_rank(row)
    a, to_bridge = steps.via[at], steps.strength[at]
    ok = ~is_target[a] & (a != b[row])  # a == b only on a self-loop
    row, rank, a, to_bridge = row[ok], rank[ok], a[ok], to_bridge[ok]
    who = np.concatenate([b[direct], a]).astype(np.int64)
    if not len(who):
        return found
    degree = np.concatenate([np.full(len(direct), 2), np.full(len(a), 3)])
    warmth = np.concatenate([onward[direct], np.minimum(np.maximum(to_bridge, 1), onward[row])])
    seen = np.concatenate([direct * (BRIDGE_CAP + 1), row * (BRIDGE_CAP + 1) + 1 + rank])
    middle = np.concatenate([np.full(len(direct), -1), b[row]])
    hop = np.concatenate([to_target[direct], to_bridge])  # the introducer's onward tie
    last = np.concatenate([to_target[direct], to_target[row]])
    target = np.concatenate([t[direct], t[row]])
    # The best path per introducer: degree 2 first, then the warmer, then the first met.
    order = np.lexsort((seen, -warmth, degree, who))
    heads = np.flatnonzero(np.r_[True, who[order][1:] != who[order][:-1]])
    best = order[heads]
    first_seen = np.minimum.reduceat(seen[order], heads)
    pairs = np.unique(who * graph.num_nodes + target)  # (introducer, target) once each
    _who, reach = np.unique(pairs // graph.num_nodes, return_counts=True)
    # Only the best by the graph alone (degree, my tie, reach) become paths to score afresh.
    intro = who[best]
    ranked = np.lexsort((first_seen, -reach, -np.maximum(mine[intro], 1), degree[best]))
    found.candidates = len(ranked)
    chosen = best[ranked[:keep]]
    columns = (who, middle, target, hop, last, degree)
    rows = zip(*(column[chosen].tolist() for column in columns), strict=True)
    reaches = reach[ranked[:keep]].tolist()
    for (a_, b_, t_, hop_, last_, degree_), n in zip(rows, reaches, strict=True):
        mine_ = int(mine[a_])
        if degree_ == 2:
            path = RawPath((me_id, int(pid[a_]), int(pid[t_])), (mine_, last_))
        else:
            path = RawPath((me_id, int(pid[a_]), int(pid[b_]), int(pid[t_])), (mine_, hop_, last_))
        found.introducers[path.ids[1]] = (path, n)
    return found
