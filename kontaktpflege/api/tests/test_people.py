"""People over the API: good paths, filters, paging, bad input that changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from kontaktpflege.contacts.models import Employment, Person


def _count(workspace) -> int:
    return Person.objects.filter(workspace=workspace).count()


def test_it_creates_a_person_with_contact_points_tags_and_organisation(api, workspace, acme):
    response = api.post(
        "/people",
        {
            "first_name": "Jürgen",
            "last_name": "Müller",
            "emails": ["Juergen@Example.org"],
            "phones": ["0151 23456789"],
            "tags": ["Design", "Berlin"],
            "organisation_id": acme.pk,
            "job_title": "CTO",
            "circle": "active",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["emails"][0]["email"] == "juergen@example.org"
    assert body["phones"][0]["number"] == "0151 23456789"  # no invented country code
    assert sorted(t["name"] for t in body["tags"]) == ["Berlin", "Design"]
    assert body["organisation"] == {"id": acme.pk, "name": "Acme GmbH"}
    assert body["interval_days"] == 90
    assert Employment.objects.filter(person_id=body["id"], is_current=True).count() == 1


def test_it_reads_updates_and_deletes_a_person(api, make_person):
    person = make_person(first_name="Thomas", last_name="Müller")
    assert api.get(f"/people/{person.pk}").json()["last_name"] == "Müller"
    response = api.patch(f"/people/{person.pk}", {"circle": "core", "emails": ["t@example.org"]})
    assert response.status_code == 200, response.content
    assert response.json()["circle"] == "core"
    assert response.json()["first_name"] == "Thomas"  # fields not sent stay
    assert api.delete(f"/people/{person.pk}").status_code == 204
    assert api.get(f"/people/{person.pk}").status_code == 404


def test_it_records_a_job_change_when_the_organisation_changes(api, make_person, acme):
    person = make_person()
    response = api.patch(f"/people/{person.pk}", {"organisation_id": acme.pk, "job_title": "CEO"})
    assert response.status_code == 200
    assert person.employments.get(is_current=True).organisation_id == acme.pk


def test_it_refuses_to_delete_the_users_own_entry(api, workspace, alice):
    me = Person.objects.get(workspace=workspace, user=alice)
    response = api.delete(f"/people/{me.pk}")
    assert response.status_code == 422
    assert "id" in response.json()["errors"]
    assert Person.objects.filter(pk=me.pk).exists()


def test_it_lists_people_with_search_filters_and_a_total(api, make_person, acme):
    make_person(first_name="Thomas", last_name="Müller", organisation=acme, circle="active")
    make_person(first_name="Anna", last_name="Schmidt", tags=["Design"])
    make_person(first_name="Ben", last_name="Becker")
    assert api.get("/people", q="mueller").json()["count"] == 1
    assert api.get("/people", circle="active").json()["items"][0]["first_name"] == "Thomas"
    assert api.get("/people", target_only="true").json()["count"] == 1
    assert api.get("/people", organisation=acme.pk).json()["count"] == 1
    page = api.get("/people", limit=2, offset=0).json()
    assert page["count"] == 4  # three plus alice's own node
    assert len(page["items"]) == 2
    assert len(api.get("/people", limit=2, offset=2).json()["items"]) == 2


def test_it_filters_by_tag_and_last_touch(api, workspace, make_person):
    from kontaktpflege.contacts.models import Tag
    from kontaktpflege.touchpoints.services import touchpoint_log

    anna = make_person(first_name="Anna", tags=["Design"])
    ben = make_person(first_name="Ben")
    touchpoint_log(
        workspace=workspace,
        participants=[ben],
        summary="Call",
        occurred_at=dt.datetime(2024, 3, 1, 12, tzinfo=dt.UTC),
    )
    tag = Tag.objects.get(workspace=workspace, name="Design")
    assert [p["id"] for p in api.get("/people", tag=tag.pk).json()["items"]] == [anna.pk]
    after = api.get("/people", touched_after="2024-02-01").json()["items"]
    assert [p["id"] for p in after] == [ben.pk]
    assert api.get("/people", touched_before="2024-01-01").json()["count"] == 0


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"last_name": "X", "emails": ["not-an-email"]}, "emails"),
        ({"last_name": "X", "phones": ["12"]}, "phones"),
        ({"last_name": "X" * 10_000}, "last_name"),
        ({"last_name": "Nul\x00Byte"}, "last_name"),
        ({"first_name": "", "last_name": ""}, "last_name"),
        ({"last_name": "X", "circle": "inner"}, "circle"),
        ({"last_name": "X", "birthday_day": 31, "birthday_month": 2}, "birthday_day"),
        ({"last_name": "X", "website": "javascript:alert(1)"}, "website"),
        ({"last_name": "X", "keep_in_touch_days": 0}, "keep_in_touch_days"),
    ],
)
def test_it_rejects_bad_input_per_field_and_changes_nothing(api, workspace, payload, field):
    before = _count(workspace)
    response = api.post("/people", payload)
    assert response.status_code == 422, response.content
    body = response.json()
    assert field in body["errors"], body
    assert all(isinstance(m, str) and m for m in body["errors"][field])
    assert _count(workspace) == before


def test_a_bad_update_changes_nothing(api, make_person):
    person = make_person(first_name="Thomas", emails=["t@example.org"])
    response = api.patch(
        f"/people/{person.pk}", {"first_name": "Tom", "emails": ["ok@example.org", "bad"]}
    )
    assert response.status_code == 422
    person.refresh_from_db()
    assert person.first_name == "Thomas"
    assert list(person.emails.values_list("email", flat=True)) == ["t@example.org"]


def test_it_rejects_null_for_a_required_text_field(api, make_person):
    person = make_person()
    response = api.patch(f"/people/{person.pk}", {"last_name": None})
    assert response.status_code == 422
    assert "last_name" in response.json()["errors"]


def test_it_stores_hostile_html_verbatim_and_returns_it_as_data(api):
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    response = api.post("/people", {"last_name": hostile, "notes": hostile})
    assert response.status_code == 201
    assert response["Content-Type"].startswith("application/json")
    person = Person.objects.get(pk=response.json()["id"])
    assert person.last_name == hostile
    assert api.get(f"/people/{person.pk}").json()["notes"] == hostile


def test_a_foreign_organisation_or_introducer_is_not_found_and_nothing_is_created(
    api, workspace, charlie
):
    from kontaktpflege.contacts.services import organisation_create, person_create

    other_ws = charlie.active_workspace
    org = organisation_create(workspace=other_ws, name="Charlie Corp")
    stranger = person_create(workspace=other_ws, last_name="Fremd")
    before = _count(workspace)
    assert api.post("/people", {"last_name": "X", "organisation_id": org.pk}).status_code == 404
    assert api.post("/people", {"last_name": "X", "introduced_by_id": stranger.pk}).status_code == (
        404
    )
    assert _count(workspace) == before


def test_touched_before_and_after_include_the_whole_named_day(api, workspace, make_person):
    from kontaktpflege.touchpoints.services import touchpoint_log

    ben = make_person(first_name="Ben")
    touchpoint_log(
        workspace=workspace,
        participants=[ben],
        summary="Late call",
        # 23:30 on 1 March in alice's zone (Europe/Berlin): days are the user's days.
        occurred_at=dt.datetime(2024, 3, 1, 22, 30, tzinfo=dt.UTC),
    )
    assert api.get("/people", touched_before="2024-03-01").json()["count"] == 1
    assert api.get("/people", touched_after="2024-03-01").json()["count"] == 1
    assert api.get("/people", touched_before="2024-02-29").json()["count"] == 0
    assert api.get("/people", touched_after="2024-03-02").json()["count"] == 0


def _walk(api, path: str, **params) -> list[int]:
    """Every id, following next_cursor to the end."""
    ids: list[int] = []
    body = api.get(path, **params).json()
    while True:
        ids += [item["id"] for item in body["items"]]
        if not body["next_cursor"]:
            return ids
        body = api.get(path, **params, cursor=body["next_cursor"]).json()


@pytest.mark.parametrize("sort", ["name", "-name", "last_touched", "-created"])
def test_following_the_cursor_walks_every_person_once_in_the_sort_order(api, make_person, sort):
    for i in range(7):
        make_person(first_name=f"P{i}", last_name=["Becker", "Müller", "Adler"][i % 3])
    everyone = [item["id"] for item in api.get("/people", sort=sort, limit=200).json()["items"]]
    assert len(everyone) == 8  # seven plus alice's own node
    assert _walk(api, "/people", sort=sort, limit=3) == everyone


def test_a_cursor_leads_back_to_the_page_before(api, make_person):
    for i in range(5):
        make_person(first_name=f"P{i}", last_name=f"N{i}")
    first = api.get("/people", limit=2).json()
    second = api.get("/people", limit=2, cursor=first["next_cursor"]).json()
    assert first["previous_cursor"] is None and second["previous_cursor"]
    back = api.get("/people", limit=2, cursor=second["previous_cursor"]).json()
    assert [p["id"] for p in back["items"]] == [p["id"] for p in first["items"]]
    assert second["count"] == 6 and second["count_capped"] is False


def test_a_cursor_that_is_not_ours_gives_the_first_page(api, make_person):
    make_person(first_name="Anna", last_name="Adler")
    first = api.get("/people").json()
    for bad in ["garbage", "eyJ4Ijox", "W10", "x" * 500]:
        response = api.get("/people", cursor=bad)
        assert response.status_code == 200, bad
        assert response.json()["items"] == first["items"]
    assert api.get("/people", cursor="x" * 3000).status_code == 422


def test_a_cursor_never_shows_another_workspaces_people(api, workspace, make_person, charlie):
    from kontaktpflege.contacts.services import person_create

    for i in range(3):
        make_person(first_name=f"P{i}", last_name=f"N{i}")
    for i in range(3):
        person_create(workspace=charlie.active_workspace, first_name=f"C{i}", last_name=f"N{i}")
    ids = _walk(api, "/people", limit=1)
    assert len(ids) == 4
    assert not Person.objects.filter(pk__in=ids).exclude(workspace=workspace).exists()


@pytest.mark.parametrize("sort", ["-last_touched", "last_touched"])
def test_never_touched_people_come_last_by_latest_touch_on_every_database(
    api, workspace, make_person, sort
):
    from django.utils import timezone

    people = [make_person(first_name=f"P{i}", last_name="X") for i in range(6)]
    now = timezone.now()
    for i, person in enumerate(people[:3]):
        Person.objects.filter(pk=person.pk).update(last_touched_at=now - dt.timedelta(days=i + 1))
    never = sorted(
        Person.objects.filter(workspace=workspace, last_touched_at__isnull=True).values_list(
            "pk", flat=True
        )
    )
    newest_first = [p.pk for p in people[:3]] + never[::-1]  # alice's own node: never touched
    expected = newest_first if sort == "-last_touched" else newest_first[::-1]
    assert _walk(api, "/people", sort=sort, limit=2) == expected
    assert [i["id"] for i in api.get("/people", sort=sort, limit=200).json()["items"]] == expected
