"""Warm introductions: whom I know at a target company and who can introduce me."""

from __future__ import annotations

import pytest
import time_machine

from kontaktpflege.contacts.services import person_delete, relationship_delete, relationship_set
from kontaktpflege.network.selectors import (
    introductions_to_organisation,
    introductions_to_person,
)

pytestmark = pytest.mark.django_db


def _intros(workspace, alice, org):
    return introductions_to_organisation(workspace=workspace, user=alice, organisation=org)


def test_it_ranks_a_strong_recent_tie_above_a_path_through_a_bridge(workspace, alice, net):
    result = _intros(workspace, alice, net.siemens)
    assert result.first_degree == []
    names = [i.introducer.first_name for i in result.introducers]
    assert names[0] == "Anna"
    assert set(names) == {"Anna", "Bernd", "Dora"}
    assert [i.degree for i in result.introducers if i.introducer.first_name == "Bernd"] == [3]


def test_the_path_reads_as_people_with_how_they_know_each_other(workspace, alice, net):
    anna = _intros(workspace, alice, net.siemens).introducers[0]
    assert anna.text == "Alice → Anna Alt (Former colleague, strong) → Dr. Julia Weber, Siemens"
    bernd = next(i for i in _intros(workspace, alice, net.siemens).introducers if i.degree == 3)
    assert bernd.text == (
        "Alice → Bernd Berg (Friend, medium) → Carl Corn (Club, good) → Dr. Julia Weber, Siemens"
    )
    assert bernd.bridge == net.carl


def test_shared_employment_at_overlapping_times_is_a_weak_tie(workspace, alice, net):
    intros = _intros(workspace, alice, net.siemens).introducers
    dora = next(i for i in intros if i.introducer == net.dora)
    assert dora.degree == 2
    assert dora.text == "Alice → Dora Dahl (Event, weak) → Dr. Julia Weber, Siemens"
    assert "knows Dr. Julia Weber directly (worked together at Siemens, very weak)" in dora.reasons


def test_a_relationship_overrides_the_weak_tie_of_shared_employment(workspace, alice, net):
    relationship_set(a=net.dora, b=net.weber, strength=5, context="friend")
    dora = next(
        i for i in _intros(workspace, alice, net.siemens).introducers if i.introducer == net.dora
    )
    assert "knows Dr. Julia Weber directly (Friend, strong)" in dora.reasons


def test_reasons_name_tie_recency_and_circle(workspace, alice, net):
    anna = _intros(workspace, alice, net.siemens).introducers[0]
    assert anna.reasons[:3] == [
        "tie with you: strong (5/5)",
        "no touch with you recorded",
        "circle: Network",
    ]


def test_a_recent_touch_lifts_an_introducer(workspace, alice, net):
    from kontaktpflege.touchpoints.services import touchpoint_log

    before = {
        i.introducer.first_name: i.score for i in _intros(workspace, alice, net.siemens).introducers
    }
    with time_machine.travel("2025-06-01 12:00Z"):
        touchpoint_log(workspace=workspace, participants=[net.bernd], summary="Lunch")
    with time_machine.travel("2025-06-11 12:00Z"):
        after = {
            i.introducer.first_name: i for i in _intros(workspace, alice, net.siemens).introducers
        }
    assert after["Bernd"].score == before["Bernd"] + 25
    assert "last touch 10 days ago" in after["Bernd"].reasons


def test_someone_i_know_at_the_company_is_first_degree(workspace, alice, me, net):
    relationship_set(a=me, b=net.weber, strength=4, context="customer")
    result = _intros(workspace, alice, net.siemens)
    assert [i.target for i in result.first_degree] == [net.weber]
    assert result.first_degree[0].text == "Alice → Dr. Julia Weber (Customer, good), Siemens"
    assert net.weber not in [i.introducer for i in result.introducers]


def test_paths_to_a_single_person(workspace, alice, net):
    result = introductions_to_person(workspace=workspace, user=alice, person=net.carl)
    found = [(i.introducer.first_name, i.degree) for i in result.introducers]
    assert found == [("Bernd", 2), ("Anna", 3), ("Dora", 3)]


def test_after_adding_a_relationship_the_next_query_sees_it(workspace, alice, net, make_person):
    eve = make_person(first_name="Eve", last_name="Ernst")
    assert eve not in [i.introducer for i in _intros(workspace, alice, net.siemens).introducers]
    from kontaktpflege.contacts.selectors import person_self

    relationship_set(a=person_self(workspace=workspace, user=alice), b=eve, strength=4)
    relationship_set(a=eve, b=net.weber, strength=4)
    assert eve in [i.introducer for i in _intros(workspace, alice, net.siemens).introducers]


def test_a_deleted_person_is_never_on_a_path(workspace, alice, net):
    person_delete(person=net.carl)
    result = _intros(workspace, alice, net.siemens)
    assert all(net.carl.pk not in [s.person.pk for s in i.steps] for i in result.introducers)
    assert "Bernd" not in [i.introducer.first_name for i in result.introducers]


def test_a_deleted_relationship_ends_the_path(workspace, alice, me, net):
    from kontaktpflege.contacts.models import Relationship

    relationship_delete(
        relationship=Relationship.objects.get(
            from_person__in=[me, net.anna], to_person__in=[me, net.anna]
        )
    )
    assert net.anna not in [
        i.introducer for i in _intros(workspace, alice, net.siemens).introducers
    ]


def test_a_stale_cache_still_shows_no_deleted_person(workspace, alice, net):
    from kontaktpflege.contacts.models import Person

    _intros(workspace, alice, net.siemens)  # cached
    Person.objects.filter(pk=net.carl.pk).delete()  # behind the services' back: no new stamp
    result = _intros(workspace, alice, net.siemens)
    assert all(net.carl not in [s.person for s in i.steps] for i in result.introducers)


def test_someone_i_know_who_works_there_is_first_degree_not_an_introducer(workspace, alice, net):
    result = _intros(workspace, alice, net.bosch)
    assert [i.target for i in result.first_degree] == [net.dora] and result.targets == 1
    assert net.dora not in [i.introducer for i in result.introducers]  # she is there herself


def test_charlie_sees_nothing_of_alices_network(workspace, charlie, net):
    from kontaktpflege.accounts.models import Workspace

    other = Workspace.objects.exclude(pk=workspace.pk).get()
    result = introductions_to_person(workspace=other, user=charlie, person=net.weber)
    assert result.introducers == [] and result.first_degree == []
