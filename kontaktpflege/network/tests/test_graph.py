"""The graph search alone (no database): cycles, self-loops, big companies, caps."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
import rustworkx as rx
from hypothesis import given
from hypothesis import strategies as st

from kontaktpflege.network.graph import (
    BRIDGE_CAP,
    MAX_COLLEAGUES,
    WEAK,
    Graph,
    colleague_edges,
    colleague_pairs,
    search,
)

EPOCH = dt.date(1970, 1, 1).toordinal()


def _graph(ids: list[int], edges: list[tuple[int, int, int]]) -> Graph:
    g = rx.PyGraph(multigraph=False)
    index = dict(zip(ids, g.add_nodes_from(ids), strict=True))
    g.add_edges_from([(index[a], index[b], s) for a, b, s in edges])
    return Graph(workspace_id=1, token=1, rx=g, index=index, ids=ids)


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
