"""A small network around alice: Anna knows Dr. Weber at Siemens; Bernd reaches him
through Carl; Dora worked at Siemens with Weber."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from kontaktpflege.network import graph


@pytest.fixture(autouse=True)
def _no_cached_graphs(settings, tmp_path):
    from kontaktpflege.network import services

    settings.GRAPH_DIR = str(tmp_path / "graphs")  # snapshots of this test only
    graph.forget()
    services._ASKED.clear()
    yield
    graph.forget()
    services._ASKED.clear()


@pytest.fixture
def me(alice, workspace):
    from kontaktpflege.contacts.selectors import person_self

    return person_self(workspace=workspace, user=alice)


@pytest.fixture
def net(workspace, me, make_person):
    from kontaktpflege.contacts.services import (
        employment_record,
        organisation_create,
        relationship_set,
    )

    siemens = organisation_create(workspace=workspace, name="Siemens", is_target=True)
    other = organisation_create(workspace=workspace, name="Bosch")
    weber = make_person(first_name="Julia", last_name="Weber", academic_title="Dr.", gender="f")
    employment_record(
        person=weber, organisation=siemens, title="CTO", start_date=dt.date(2020, 1, 1)
    )
    anna = make_person(first_name="Anna", last_name="Alt")
    bernd = make_person(first_name="Bernd", last_name="Berg")
    carl = make_person(first_name="Carl", last_name="Corn")
    dora = make_person(first_name="Dora", last_name="Dahl")
    employment_record(
        person=dora,
        organisation=siemens,
        start_date=dt.date(2018, 1, 1),
        end_date=dt.date(2022, 1, 1),
        is_current=False,
    )
    employment_record(person=dora, organisation=other, start_date=dt.date(2022, 1, 1))
    relationship_set(a=me, b=anna, strength=5, context="former_colleague")
    relationship_set(a=anna, b=weber, strength=4, context="colleague")
    relationship_set(a=me, b=bernd, strength=3, context="friend")
    relationship_set(a=bernd, b=carl, strength=4, context="club")
    relationship_set(a=carl, b=weber, strength=5, context="studies")
    relationship_set(a=me, b=dora, strength=2, context="event")
    return SimpleNamespace(
        siemens=siemens, bosch=other, weber=weber, anna=anna, bernd=bernd, carl=carl, dora=dora
    )
