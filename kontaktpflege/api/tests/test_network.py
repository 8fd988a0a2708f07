"""Employment history and relationships over the API."""

from __future__ import annotations

from kontaktpflege.contacts.models import Relationship


def test_it_records_positions_and_lists_the_history(api, make_person, acme, workspace):
    from kontaktpflege.contacts.services import organisation_create

    person = make_person()
    old = organisation_create(workspace=workspace, name="Old Corp")
    first = api.post(
        f"/people/{person.pk}/employment",
        {"organisation_id": old.pk, "title": "Dev", "start_date": "2019-01-01"},
    )
    assert first.status_code == 201, first.content
    second = api.post(
        f"/people/{person.pk}/employment",
        {"organisation_id": acme.pk, "title": "Lead", "start_date": "2023-05-01"},
    )
    assert second.status_code == 201
    history = api.get(f"/people/{person.pk}/employment").json()
    assert [(e["organisation"]["name"], e["is_current"]) for e in history] == [
        ("Acme GmbH", True),
        ("Old Corp", False),
    ]
    assert history[1]["end_date"] == "2023-05-01"
    person.refresh_from_db()
    assert person.organisation_id == acme.pk
    response = api.delete(f"/people/{person.pk}/employment/{first.json()['id']}")
    assert response.status_code == 204
    assert len(api.get(f"/people/{person.pk}/employment").json()) == 1


def test_it_rejects_a_position_ending_before_it_starts(api, make_person, acme):
    person = make_person()
    response = api.post(
        f"/people/{person.pk}/employment",
        {
            "organisation_id": acme.pk,
            "start_date": "2024-01-01",
            "end_date": "2023-01-01",
            "is_current": False,
        },
    )
    assert response.status_code == 422
    assert "end_date" in response.json()["errors"]
    assert person.employments.count() == 0


def test_it_sets_updates_lists_and_deletes_relationships(api, make_person):
    anna = make_person(first_name="Anna")
    ben = make_person(first_name="Ben")
    response = api.post(
        f"/people/{ben.pk}/relationships",
        {"other_id": anna.pk, "strength": 4, "context": "colleague"},
    )
    assert response.status_code == 200, response.content
    assert response.json()["other"]["id"] == anna.pk
    api.post(f"/people/{anna.pk}/relationships", {"other_id": ben.pk, "strength": 2})
    assert Relationship.objects.count() == 1
    listed = api.get(f"/people/{anna.pk}/relationships").json()
    assert [(c["other"]["id"], c["strength"]) for c in listed] == [(ben.pk, 2)]
    edge_id = listed[0]["id"]
    assert api.delete(f"/people/{anna.pk}/relationships/{edge_id}").status_code == 204
    assert Relationship.objects.count() == 0


def test_it_rejects_knowing_oneself_and_bad_strength(api, make_person):
    anna = make_person(first_name="Anna")
    ben = make_person(first_name="Ben")
    response = api.post(f"/people/{anna.pk}/relationships", {"other_id": anna.pk})
    assert response.status_code == 422
    assert "to_person" in response.json()["errors"]
    response = api.post(f"/people/{anna.pk}/relationships", {"other_id": ben.pk, "strength": 9})
    assert response.status_code == 422
    assert "strength" in response.json()["errors"]
    assert Relationship.objects.count() == 0


def test_an_edge_of_other_people_is_not_found_under_this_person(api, make_person):
    from kontaktpflege.contacts.services import relationship_set

    anna, ben, cleo = (make_person(first_name=n) for n in ("Anna", "Ben", "Cleo"))
    edge = relationship_set(a=anna, b=ben)
    assert api.delete(f"/people/{cleo.pk}/relationships/{edge.pk}").status_code == 404
    assert Relationship.objects.filter(pk=edge.pk).exists()
