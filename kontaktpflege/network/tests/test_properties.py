"""Properties over many random networks (hypothesis): the answer equals a brute-force reading
of the database, no path passes through a deleted person or leaves the workspace, and a new
relationship is seen by the very next query."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kontaktpflege.contacts.models import Employment, Person, Relationship
from kontaktpflege.contacts.services import (
    employment_record,
    organisation_create,
    person_create,
    person_delete,
    relationship_set,
)
from kontaktpflege.network.graph import colleague_pairs
from kontaktpflege.network.selectors import introductions_to_organisation

pytestmark = pytest.mark.django_db
_serial = itertools.count()

SIZE = 7  # people per example; index SIZE stands for me
edges = st.lists(
    st.tuples(st.integers(0, SIZE), st.integers(0, SIZE), st.integers(1, 5)), max_size=18
)
jobs = st.lists(
    st.tuples(st.integers(0, SIZE - 1), st.integers(2000, 2020), st.integers(0, 6)), max_size=6
)
network = st.fixed_dictionaries(
    {
        "edges": edges,
        "at_target": st.sets(st.integers(0, SIZE - 1), max_size=3),
        "past_jobs": jobs,
        "deleted": st.sets(st.integers(0, SIZE - 1), max_size=2),
        "leak": st.integers(0, SIZE - 1),
    }
)


def _expected(workspace, me_id: int, org_id: int) -> tuple[set[int], dict[int, int]]:
    """First-degree ids and introducer → degree, computed from the tables by brute force."""
    alive = set(Person.objects.filter(workspace=workspace).values_list("id", flat=True))
    adj: dict[int, set[int]] = {pk: set() for pk in alive}
    for a, b in Relationship.objects.filter(workspace=workspace).values_list(
        "from_person_id", "to_person_id"
    ):
        if a in alive and b in alive:
            adj[a].add(b)
            adj[b].add(a)
    stints: dict[int, list] = {}
    for org, person, start, end, current in Employment.objects.filter(
        workspace=workspace
    ).values_list("organisation_id", "person_id", "start_date", "end_date", "is_current"):
        begin = start or dt.date.min
        stints.setdefault(org, []).append(
            (begin, end or (dt.date.max if current else begin), person)
        )
    for group in stints.values():
        for a, b in colleague_pairs(group):
            adj[a].add(b)
            adj[b].add(a)
    targets = set(
        Person.objects.filter(workspace=workspace, organisation_id=org_id).values_list(
            "id", flat=True
        )
    ) - {me_id}
    first = targets & adj[me_id]
    degrees = {}
    for a in adj[me_id] - targets:
        if adj[a] & targets:
            degrees[a] = 2
        elif any(adj[b] & targets for b in adj[a] - targets - {me_id}):
            degrees[a] = 3
    return first, degrees


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=network)
def test_paths_match_the_tables_and_never_show_the_deleted_or_another_workspace(
    workspace, alice, charlie, me, data
):
    n = next(_serial)
    target = organisation_create(workspace=workspace, name=f"Target {n}", is_target=True)
    people = [
        person_create(
            workspace=workspace,
            first_name=f"P{n}-{i}",
            organisation=target if i in data["at_target"] else None,
        )
        for i in range(SIZE)
    ] + [me]
    for i, year, years in data["past_jobs"]:
        start = dt.date(year, 1, 1)
        employment_record(
            person=people[i],
            organisation=target,
            start_date=start,
            end_date=start.replace(year=year + years),
            is_current=False,
        )
    for i, j, strength in data["edges"]:
        if i != j:
            relationship_set(a=people[i], b=people[j], strength=strength)
    outsider = person_create(workspace=charlie.active_workspace, first_name=f"Outsider {n}")
    low, high = sorted([people[data["leak"]].pk, outsider.pk])  # a corrupt row across workspaces
    Relationship.objects.create(workspace=workspace, from_person_id=low, to_person_id=high)
    deleted = {people[i].pk for i in data["deleted"]}
    for i in data["deleted"]:
        person_delete(person=people[i])

    result = introductions_to_organisation(
        workspace=workspace, user=alice, organisation=target, limit=1000
    )
    first, degrees = _expected(workspace, me.pk, target.pk)
    assert {i.target.pk for i in result.first_degree} == first
    assert {i.introducer.pk: i.degree for i in result.introducers} == degrees
    for intro in result.first_degree + result.introducers:
        on_path = {s.person.pk for s in intro.steps}
        assert not on_path & deleted
        assert outsider.pk not in on_path
        assert all(s.person.workspace_id == workspace.pk for s in intro.steps)
        assert intro.steps[0].person == me

    newcomer = person_create(workspace=workspace, first_name=f"New {n}")
    anyone_there = person_create(workspace=workspace, first_name=f"There {n}", organisation=target)
    relationship_set(a=me, b=newcomer, strength=3)
    relationship_set(a=newcomer, b=anyone_there, strength=3)
    again = introductions_to_organisation(
        workspace=workspace, user=alice, organisation=target, limit=1000
    )
    assert newcomer.pk in {i.introducer.pk for i in again.introducers}
