"""Benchmark "warm introductions": introducers into a target company on the generated graph.

Scale L-graph has 100k people and about a million relationships (plus shared employment);
S and M use their own, smaller data, so `make bench SCALE=S` stays quick. Figures:

- introducers into a target company (the selector the organisation page and the API call:
  stamp, targets, graph search, fresh scores, the people and edges on the paths), p50/p95,
  beside rustworkx's bare shortest path from me to one person of the same company
  (dijkstra with early exit, unweighted) on the same graph — the floor design.md names;
- the graph build from the database (target < 5 s) and the two-step index the first query
  after a build computes once.
"""

from __future__ import annotations

import time
from typing import Any

import rustworkx as rx
from django.db.models import Count

from kontaktpflege.bench.registry import BenchContext, Result, pair, scenario
from kontaktpflege.contacts.models import Organisation, Person
from kontaktpflege.contacts.selectors import person_self
from kontaktpflege.network import graph
from kontaktpflege.network.selectors import introductions_to_organisation
from kontaktpflege.network.services import graph_stamp_get

COMPANIES = 10
BUILDS = {"L-graph": 3, "L": 1}


def _companies(ctx: BenchContext) -> list[Organisation]:
    """The target companies with the most people (the generator marks ~5% as targets)."""
    return list(
        Organisation.objects.filter(workspace=ctx.workspace, is_target=True)
        .annotate(n=Count("people"))
        .filter(n__gt=0)
        .order_by("-n", "id")[:COMPANIES]
    )


def _builds(ctx: BenchContext, token: int) -> list[float]:
    seconds = []
    for _ in range(BUILDS.get(ctx.scale, 5)):
        graph.forget(ctx.workspace.pk)
        start = time.perf_counter()
        graph.graph_for(ctx.workspace.pk, token)
        seconds.append(time.perf_counter() - start)
    return seconds


def _floor(g: graph.Graph, me: int, people: dict[int, int]) -> list[Any]:
    """One call per company: rustworkx's shortest path from me to one of its people."""
    calls = []
    for target in people.values():
        node = g.node(target)
        if node is not None:
            calls.append(lambda node=node: rx.dijkstra_shortest_paths(g.rx, me, target=node))
    return calls


@scenario("warm introductions", scales=("S", "M", "L-graph"))
def warm_introductions(ctx: BenchContext) -> list[Result]:
    workspace, user = ctx.workspace, ctx.user
    me = person_self(workspace=workspace, user=user)
    if me is None:
        raise RuntimeError("the bench user has no own entry")
    token = graph_stamp_get(workspace.pk)
    builds = _builds(ctx, token)
    g = graph.graph_for(workspace.pk, token)
    start = time.perf_counter()
    g.bridges(g.node(me.pk) or 0)
    index_ms = (time.perf_counter() - start) * 1000
    companies = _companies(ctx)
    if not companies:
        raise RuntimeError("no target company with people in the generated data")
    first_person = {
        o.pk: Person.objects.filter(organisation=o).order_by("id").values_list("id", flat=True)[0]
        for o in companies
    }
    each = max(3, ctx.repeat // len(companies))
    timings: list[float] = []
    found = 0
    for org in companies:
        fn = lambda org=org: introductions_to_organisation(  # noqa: E731
            workspace=workspace, user=user, organisation=org
        )
        found += len(fn().introducers)
        timings += ctx.time_call(fn, n=each)
    floors: list[float] = []
    for call in _floor(g, g.node(me.pk) or 0, first_person):
        floors += ctx.time_call(call, n=each)
    edges = f"{g.rx.num_nodes():,} people, {g.rx.num_edges():,} edges"
    results = pair(
        "introducers into a target company",
        "ms",
        timings,
        floors,
        "rustworkx shortest path me → one person there",
        "p95 < 50 ms at L-graph",
        what=f"queries on {len(companies)} companies ({found} introducers shown)",
    )
    results.append(
        Result(
            name="graph build from the database",
            figure=sorted(builds)[len(builds) // 2],
            unit="s",
            target="< 5 s at L-graph",
            note=f"median of {len(builds)}; {edges}",
        )
    )
    results.append(
        Result(
            name="two-step index (first query after a build)",
            figure=index_ms,
            unit="ms",
            note=f"my {len(g.rx.adj(g.node(me.pk) or 0)):,} contacts' contacts, once per build",
        )
    )
    return results
