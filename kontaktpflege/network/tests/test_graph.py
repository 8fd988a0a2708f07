"""The graph search alone (no database): cycles, self-loops, big companies, caps."""

from __future__ import annotations

import datetime as dt
from unittest.mock import patch

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kontaktpflege.network import graph as graph_module
from kontaktpflege.network.graph import (
    BRIDGE_CAP,
    MAX_COLLEAGUES,
    MAX_TARGETS,
    WEAK,
    Found,
    Graph,
    RawPath,
    assemble,
    colleague_edges,
    colleague_pairs,
    distinct,
    effective,
    search,
)

EPOCH = dt.date(1970, 1, 1).toordinal()


def _graph(ids: list[int], edges: list[tuple[int, int, int]]) -> Graph:
    """A graph of these people and ties (a later tie on the same pair wins; self-loops stay)."""
    ids = sorted(ids)
    node = {pk: n for n, pk in enumerate(ids)}
    pairs = np.array([(node[a], node[b], s) for a, b, s in edges], dtype=np.int64).reshape(-1, 3)
    return assemble(1, 1, np.array(ids), distinct(pairs, len(ids)))


def test_a_cycle_and_a_self_loop_give_finite_paths_of_distinct_people():
    # me=1 → 2 → 3 → 4 (target), with 2-3-5-2 a cycle and a self-loop on 3
    graph = _graph(
        [1, 2, 3, 4, 5], [(1, 2, 5), (2, 3, 4), (3, 5, 3), (5, 2, 3), (3, 3, 5), (3, 4, 4)]
    )
    found = search(graph, 1, [4])
    path, reach = found.introducers[2]
    assert path.ids == (1, 2, 3, 4) and reach == 1
    assert all(len(set(p.ids)) == len(p.ids) for p, _r in found.introducers.values())


def test_an_introducer_prefers_a_direct_tie_over_a_bridge():
    graph = _graph([1, 2, 3, 4], [(1, 2, 3), (2, 3, 5), (3, 4, 5), (2, 4, 1)])
    path, _reach = search(graph, 1, [4]).introducers[2]
    assert path.ids == (1, 2, 4) and path.strengths == (3, 1)


def test_i_am_never_a_target_and_unknown_ids_are_ignored():
    graph = _graph([1, 2], [(1, 2, 4)])
    found = search(graph, 1, [1, 99])
    assert found.targets == 0 and not found.first and not found.introducers
    assert search(graph, 77, [2]).targets == 0  # no node for me


def test_shared_employment_pairs_only_overlapping_positions():
    d = dt.date
    stints = [
        (d(2010, 1, 1), d(2012, 1, 1), 1),
        (d(2011, 6, 1), d(2013, 1, 1), 2),
        (d(2014, 1, 1), d.max, 3),
        (d(2012, 6, 1), d(2012, 7, 1), 2),  # the same person twice: no self-pair
    ]
    assert sorted(colleague_pairs(stints)) == [(1, 2)]


def test_a_company_with_very_many_positions_says_nothing_about_who_knows_whom():
    d = dt.date(2020, 1, 1)
    stints = [(d, dt.date.max, i) for i in range(MAX_COLLEAGUES + 1)]
    assert list(colleague_pairs(stints)) == []


def test_a_popular_bridge_keeps_only_the_strongest_introducers():
    me, bridge, target = 1, 2, 3
    contacts = list(range(10, 10 + BRIDGE_CAP + 5))
    edges = [(me, c, 3) for c in contacts] + [(bridge, target, 4)]
    edges += [(c, bridge, 5 if i < 3 else WEAK) for i, c in enumerate(contacts)]
    graph = _graph([me, bridge, target, *contacts], edges)
    found = search(graph, me, [target])
    assert len(found.introducers) == BRIDGE_CAP
    assert {10, 11, 12} <= set(found.introducers)


stint = st.tuples(
    st.integers(0, 3),  # organisation
    st.integers(1, 6),  # person
    st.one_of(st.none(), st.dates(dt.date(2000, 1, 1), dt.date(2010, 1, 1))),
    st.one_of(st.none(), st.dates(dt.date(2000, 1, 1), dt.date(2010, 1, 1))),
    st.booleans(),  # current
)


@given(st.lists(stint, max_size=25))
def test_the_vectorised_colleague_edges_equal_the_sweep_over_each_organisation(rows):
    by_org: dict[int, list[tuple[dt.date, dt.date, int]]] = {}
    for org, person, start, end, current in rows:
        begin = start or dt.date.min
        by_org.setdefault(org, []).append(
            (begin, end or (dt.date.max if current else begin), person)
        )
    expected = {frozenset(p) for group in by_org.values() for p in colleague_pairs(group)}
    days = [
        (org, person, s.toordinal() - EPOCH, e.toordinal() - EPOCH)
        for org, group in by_org.items()
        for s, e, person in group
    ]
    columns = [np.array(c, dtype=np.int64) for c in zip(*days, strict=True)] or [
        np.zeros(0, dtype=np.int64)
    ] * 4
    a, b = colleague_edges(*columns)
    assert {frozenset(p) for p in zip(a.tolist(), b.tolist(), strict=True)} == expected


def test_no_colleague_edges_at_an_organisation_with_more_positions_than_the_bound():
    n = MAX_COLLEAGUES + 1
    everyone = np.arange(1, n + 1, dtype=np.int64)
    same = np.zeros(n, dtype=np.int64)
    a, _b = colleague_edges(same, everyone, same, same + 10)
    assert len(a) == 0
    a, _b = colleague_edges(same[:-1], everyone[:-1], same[:-1], same[:-1] + 10)
    assert len(a) == MAX_COLLEAGUES * (MAX_COLLEAGUES - 1) // 2


@pytest.mark.django_db
def test_the_database_gives_positions_as_days_with_open_ends_filled_in(workspace, make_person):
    from kontaktpflege.contacts.models import Employment
    from kontaktpflege.contacts.services import organisation_create
    from kontaktpflege.network.graph import FAR_AHEAD, FAR_BACK, _stint_rows

    org = organisation_create(workspace=workspace, name="Acme")
    people = [make_person(first_name=name) for name in ("Ann", "Ben", "Cid", "Dan")]
    d = dt.date
    rows = [
        (people[0], d(1969, 12, 31), d(2000, 2, 29), False),  # before 1970, a leap day
        (people[1], None, d(2001, 1, 1), False),  # no start: far back
        (people[2], d(2010, 5, 5), None, True),  # current, no end: far ahead
        (people[3], d(2011, 6, 6), None, False),  # ended on an unknown day: its start
    ]
    Employment.objects.bulk_create(
        Employment(
            workspace=workspace, person=p, organisation=org, start_date=s, end_date=e, is_current=c
        )
        for p, s, e, c in rows
    )
    _org, person, start, end = _stint_rows(workspace.pk)
    got = dict(zip(person.tolist(), zip(start.tolist(), end.tolist(), strict=True), strict=True))
    days = lambda day: day.toordinal() - EPOCH  # noqa: E731
    assert got == {
        people[0].pk: (-1, days(d(2000, 2, 29))),
        people[1].pk: (FAR_BACK, days(d(2001, 1, 1))),
        people[2].pk: (days(d(2010, 5, 5)), FAR_AHEAD),
        people[3].pk: (days(d(2011, 6, 6)), days(d(2011, 6, 6))),
    }


def _reference(graph: Graph, me_id: int, target_ids: list[int], keep: int) -> Found:
    """The search as a loop over neighbours (its former implementation, walking each node's
    neighbours in ascending order): the array search must give exactly this."""
    found = Found()
    me = graph.node(me_id)
    if me is None:
        return found
    nodes = sorted({n for t in target_ids if (n := graph.node(t)) is not None} - {me})
    targets = set(nodes[:MAX_TARGETS])
    found.targets = len(targets)
    pid = graph.ids.tolist()
    mine = {a: s for a, s in graph.adj(me).items() if a != me}
    two: dict[int, list[tuple[int, int]]] = {}
    for a in sorted(mine):
        for b, strength in sorted(graph.adj(a).items()):
            if b != me:
                two.setdefault(b, []).append((strength, a))
    bridges = {
        b: sorted(edges, key=lambda e: (effective(e[0]), e[1]), reverse=True)[
            : graph_module.BRIDGE_CAP
        ]
        for b, edges in two.items()
    }
    best: dict[int, tuple[tuple[int, int], tuple[int, ...], tuple[int, ...]]] = {}
    reach: dict[int, set[int]] = {}
    for t in sorted(targets):
        if t in mine:
            found.first.append(RawPath((me_id, pid[t]), (mine[t],)))
        for b, to_target in sorted(graph.adj(t).items()):
            if b == me or b in targets:
                continue
            onward = to_target or 1
            if b in mine:
                key = (-2, onward)
                if b not in best or key > best[b][0]:
                    best[b] = (key, (b, t), (mine[b], to_target))
                reach.setdefault(b, set()).add(t)
            for to_bridge, a in bridges.get(b, ()):
                if a in targets or a == b:
                    continue
                key = (-3, min(to_bridge or 1, onward))
                if a not in best or key > best[a][0]:
                    best[a] = (key, (a, b, t), (mine[a], to_bridge, to_target))
                reach.setdefault(a, set()).add(t)
    ranked = sorted(
        best.items(),
        key=lambda item: (item[1][0][0], effective(mine[item[0]]), len(reach[item[0]])),
        reverse=True,
    )
    found.candidates = len(ranked)
    for a, (_key, via, payloads) in ranked[:keep]:
        found.introducers[pid[a]] = (
            RawPath((me_id, *(pid[n] for n in via)), payloads),
            len(reach[a]),
        )
    return found


random_graph = st.fixed_dictionaries(
    {
        "edges": st.lists(
            st.tuples(st.integers(0, 11), st.integers(0, 11), st.integers(0, 5)), max_size=45
        ),
        "me": st.integers(0, 11),
        "targets": st.lists(st.integers(0, 13), max_size=6),
        "keep": st.sampled_from([1, 2, 5, 200]),
        "cap": st.integers(1, 4),
    }
)


@given(random_graph)
def test_the_array_search_equals_the_loop_over_neighbours(data):
    # person ids 10, 20, …: node numbers and ids differ; 12 and 13 are unknown targets
    graph = _graph(
        [10 * (n + 1) for n in range(12)],
        [(10 * (a + 1), 10 * (b + 1), s) for a, b, s in data["edges"]],
    )
    me, targets = 10 * (data["me"] + 1), [10 * (t + 1) for t in data["targets"]]
    with patch.object(graph_module, "BRIDGE_CAP", data["cap"]):
        got = search(graph, me, targets, keep=data["keep"])
        expected = _reference(graph, me, targets, keep=data["keep"])
    assert got.first == expected.first
    assert list(got.introducers.items()) == list(expected.introducers.items())
    assert (got.targets, got.candidates) == (expected.targets, expected.candidates)


def test_the_two_step_index_keeps_a_node_that_only_i_know_out_of_my_own_entries():
    graph = _graph([1, 2, 3], [(1, 2, 4), (2, 3, 2), (1, 1, 5)])  # a self-loop on me
    steps = graph.steps(graph.node(1) or 0)
    assert steps.mine.tolist() == [-1, 4, -1]
    node3 = graph.node(3) or 0
    lo, hi = steps.ptr[node3], steps.ptr[node3 + 1]
    assert steps.via[lo:hi].tolist() == [graph.node(2)] and steps.strength[lo:hi].tolist() == [2]
