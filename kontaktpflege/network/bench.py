"""Benchmark "warm introductions": introducers into a target company on the generated graph.

Scale L-graph has 100k people and about a million relationships (plus shared employment);
S and M use their own, smaller data, so `make bench SCALE=S` stays quick. Figures:

- introducers into a target company (the selector the organisation page and the API call:
  stamp, targets, graph search, fresh scores, the people and edges on the paths), p50/p95,
  beside rustworkx's bare shortest path from me to one person of the same company
  (dijkstra with early exit, unweighted) on the same graph — the floor design.md names;
- the graph build from the database (target < 5 s) beside rustworkx building the same graph
  from lists in memory, and (in the note) the two-step index from me, which the worker
  computes with the graph and stores in its snapshot;
- a large workspace's graph is built by the worker, not in a web request: the worker's
  snapshot write (in the note) and a web process loading it (in a background thread; a
  request waits at most settings.GRAPH_LOAD_WAIT_MS for it), beside the same floor.
"""

from __future__ import annotations

import time
from typing import Any

import rustworkx as rx
from django.db.models import Count

from kontaktpflege.bench.registry import BenchContext, Result, pair, percentile, scenario
from kontaktpflege.contacts.models import Organisation, Person
from kontaktpflege.contacts.selectors import person_self
from kontaktpflege.network import graph
from kontaktpflege.network.selectors import introductions_to_organisation
from kontaktpflege.network.services import graph_prepare, graph_stamp_get

COMPANIES = 10
BUILDS = {"L-graph": 3, "L": 1}


def _companies(ctx: BenchContext) -> list[Organisation]:
    """The target companies with the most people (the generator marks ~5% as targets);
    the largest companies where the data has no target with people (tiny scales)."""
    orgs = Organisation.objects.filter(workspace=ctx.workspace).annotate(n=Count("people"))
    orgs = orgs.filter(n__gt=0).order_by("-n", "id")
    return list(orgs.filter(is_target=True)[:COMPANIES]) or list(orgs[:COMPANIES])


def _builds(ctx: BenchContext, token: int) -> tuple[list[float], list[float], list[float]]:
    """Milliseconds of builds from the database (wall and this thread's CPU time), and of
    rustworkx building the same graph from lists already in memory (the floor: no database,
    no shared-employment sweep)."""
    builds, cpu, floors = [], [], []
    for _ in range(BUILDS.get(ctx.scale, 5)):
        graph.forget(ctx.workspace.pk)
        start, start_cpu = time.perf_counter(), time.thread_time()
        built = graph.graph_for(ctx.workspace.pk, token)
        builds.append((time.perf_counter() - start) * 1000)
        cpu.append((time.thread_time() - start_cpu) * 1000)
        ids, edges = built.ids.tolist(), [tuple(e) for e in built.edges().tolist()]
        start = time.perf_counter()
        bare = rx.PyGraph(multigraph=False, node_count_hint=len(ids))
        bare.add_nodes_from(ids)
        bare.add_edges_from(edges)
        floors.append((time.perf_counter() - start) * 1000)
    return builds, cpu, floors


def _snapshot_loads(ctx: BenchContext, token: int) -> tuple[float, list[float]]:
    """Milliseconds of the worker preparing the snapshot once, and of web processes loading
    it (what a process pays once per graph version of a large workspace)."""
    path = graph.snapshot_path(ctx.workspace.pk, token)
    path.unlink(missing_ok=True)
    start = time.perf_counter()
    graph_prepare(ctx.workspace.pk)
    prepare_ms = (time.perf_counter() - start) * 1000
    loads = []
    for _ in range(BUILDS.get(ctx.scale, 5)):
        start = time.perf_counter()
        graph.snapshot_read(ctx.workspace.pk, token)
        loads.append((time.perf_counter() - start) * 1000)
    path.unlink(missing_ok=True)
    return prepare_ms, loads


def _floor(g: graph.Graph, me: int, people: dict[int, int]) -> list[Any]:
    """One call per company: rustworkx's shortest path from me to one of its people."""
    bare = graph.to_rx(g)
    calls = []
    for target in people.values():
        node = g.node(target)
        if node is not None:
            calls.append(lambda node=node: rx.dijkstra_shortest_paths(bare, me, target=node))
    return calls


def _cpu_times(fn: Any, n: int) -> list[float]:
    """Milliseconds of this thread's CPU time for n calls of fn (after a warm-up call)."""
    fn()
    times = []
    for _ in range(n):
        start = time.thread_time()
        fn()
        times.append((time.thread_time() - start) * 1000)
    return times


@scenario("warm introductions", scales=("S", "M", "L-graph"))
def warm_introductions(ctx: BenchContext) -> list[Result]:
    workspace, user = ctx.workspace, ctx.user
    me = person_self(workspace=workspace, user=user)
    if me is None:
        raise RuntimeError("the bench user has no own entry")
    token = graph_stamp_get(workspace.pk)
    builds, build_cpu, build_floors = _builds(ctx, token)
    prepare_ms, loads = _snapshot_loads(ctx, token)
    g = graph.graph_for(workspace.pk, token)
    start = time.perf_counter()
    graph.two_steps(g.ptr, g.nbr, g.pay, g.node(me.pk) or 0)
    index_ms = (time.perf_counter() - start) * 1000
    companies = _companies(ctx)
    if not companies:
        raise RuntimeError("no company with people in the generated data")
    first_person = {
        o.pk: Person.objects.filter(organisation=o).order_by("id").values_list("id", flat=True)[0]
        for o in companies
    }
    each = max(3, ctx.repeat // len(companies))
    timings: list[float] = []
    cpu: list[float] = []
    found = 0
    for org in companies:
        fn = lambda org=org: introductions_to_organisation(  # noqa: E731
            workspace=workspace, user=user, organisation=org
        )
        found += len(fn().introducers)
        timings += ctx.time_call(fn, n=each)
        cpu += _cpu_times(fn, each)
    floors: list[float] = []
    cpu_floors: list[float] = []
    for call in _floor(g, g.node(me.pk) or 0, first_person):
        floors += ctx.time_call(call, n=each)
        cpu_floors += _cpu_times(call, 3)  # the floor is slow: three a company suffice
    edges = f"{g.num_nodes:,} people, {g.num_edges:,} edges"
    results = pair(
        "introducers into a target company",
        "ms",
        timings,
        floors,
        "rustworkx shortest path me → one person there",
        "p95 < 50 ms at L-graph",
        what=f"queries on {len(companies)} companies ({found} introducers shown)",
    )
    results += pair(
        "introducers into a target company, CPU time",
        "ms",
        cpu,
        cpu_floors,
        "rustworkx shortest path, CPU time",
        "",
        what="queries (this thread's CPU time: what other processes on a shared machine "
        "cannot inflate)",
    )
    contacts = len(g.adj(g.node(me.pk) or 0))
    results += pair(
        "graph build from the database",
        "ms",
        builds,
        build_floors,
        "rustworkx building it from lists in memory",
        "p95 < 5,000 ms at L-graph",
        what=(
            f"builds of {edges}; then the two-step index over my {contacts:,} contacts "
            f"took {index_ms:,.0f} ms once; CPU time of the builds p50 "
            f"{percentile(build_cpu, 50):,.0f} ms, p95 {percentile(build_cpu, 95):,.0f} ms"
        ),
    )
    results += pair(
        "graph load from the worker's snapshot",
        "ms",
        loads,
        build_floors,
        "rustworkx building it from lists in memory",
        "",
        what=f"loads in a web process; the worker prepared the snapshot in {prepare_ms:,.0f} ms",
    )
    return results
