"""Organisations and tags over the API."""

from __future__ import annotations

from kontaktpflege.contacts.models import Organisation, Tag


def test_it_creates_and_lists_target_companies_by_priority(api, workspace):
    for name, target, prio in (("Beta AG", True, 2), ("Alpha GmbH", True, 1), ("Gamma", False, 3)):
        response = api.post(
            "/organisations", {"name": name, "is_target": target, "target_priority": prio}
        )
        assert response.status_code == 201, response.content
    page = api.get("/organisations", target_only="true").json()
    assert page["count"] == 2
    assert [o["name"] for o in page["items"]] == ["Alpha GmbH", "Beta AG"]
    assert api.get("/organisations").json()["count"] == 3


def test_it_updates_status_and_deletes_an_organisation(api, acme, make_person):
    person = make_person(organisation=acme)
    response = api.patch(
        f"/organisations/{acme.pk}", {"target_status": "in_talks", "target_priority": 1}
    )
    assert response.status_code == 200
    assert response.json()["target_status"] == "in_talks"
    assert api.delete(f"/organisations/{acme.pk}").status_code == 204
    person.refresh_from_db()
    assert person.organisation_id is None


def test_it_rejects_a_bad_organisation_and_changes_nothing(api, workspace, acme):
    before = Organisation.objects.filter(workspace=workspace).count()
    assert api.post("/organisations", {"name": ""}).status_code == 422
    response = api.post("/organisations", {"name": "X", "target_priority": 9})
    assert "target_priority" in response.json()["errors"]
    response = api.patch(f"/organisations/{acme.pk}", {"name": "A" * 300})
    assert response.status_code == 422
    assert "name" in response.json()["errors"]
    acme.refresh_from_db()
    assert acme.name == "Acme GmbH"
    assert Organisation.objects.filter(workspace=workspace).count() == before


def test_it_creates_renames_and_deletes_tags(api, workspace, make_person):
    person = make_person(tags=["Design"])
    assert api.get("/tags").json() == [
        {"id": Tag.objects.get(name="Design").pk, "name": "Design", "people_count": 1}
    ]
    created = api.post("/tags", {"name": "Berlin"})
    assert created.status_code == 201
    tag_id = created.json()["id"]
    renamed = api.patch(f"/tags/{tag_id}", {"name": "München"})
    assert renamed.json()["name"] == "München"
    design = Tag.objects.get(workspace=workspace, name="Design")
    assert api.delete(f"/tags/{design.pk}").status_code == 204
    assert list(person.tags.all()) == []


def test_it_refuses_a_duplicate_or_empty_tag_name(api, workspace):
    first = api.post("/tags", {"name": "Design"}).json()["id"]
    second = api.post("/tags", {"name": "Berlin"}).json()["id"]
    response = api.patch(f"/tags/{second}", {"name": "Design"})
    assert response.status_code == 422
    assert "name" in response.json()["errors"]
    assert api.post("/tags", {"name": "  "}).status_code == 422
    assert Tag.objects.get(pk=second).name == "Berlin"
    assert Tag.objects.filter(workspace=workspace).count() == 2
    assert first != second


def test_following_the_cursor_walks_every_organisation_once(api):
    for i in range(7):
        api.post("/organisations", {"name": f"Firma {i % 3} {i}", "is_target": i % 2 == 0})
    for params in ({}, {"target_only": "true"}):
        everyone = [o["id"] for o in api.get("/organisations", limit=200, **params).json()["items"]]
        walked: list[int] = []
        body = api.get("/organisations", limit=2, **params).json()
        while True:
            walked += [o["id"] for o in body["items"]]
            if not body["next_cursor"]:
                break
            body = api.get("/organisations", limit=2, cursor=body["next_cursor"], **params).json()
        assert walked == everyone and len(everyone) == (7 if not params else 4)
