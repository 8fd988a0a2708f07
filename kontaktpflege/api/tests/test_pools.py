"""The pools API: filters with counts, members, re-matching and inviting; bad input is a 422
(or 404 for another workspace) and changes nothing."""

from __future__ import annotations

import json

import pytest

from kontaktpflege.contacts.models import Tag
from kontaktpflege.messaging.models import OutboundMessage
from kontaktpflege.recruiting.models import Candidacy, Opening, PoolMember, TalentPool
from kontaktpflege.recruiting.pools import pool_create
from kontaktpflege.recruiting.services import recruiting_setup
from kontaktpflege.recruiting.tests.factories import make_candidate

pytestmark = pytest.mark.django_db


@pytest.fixture
def things(workspace, make_person):
    recruiting_setup(workspace=workspace, enabled=True)
    ana = make_candidate(
        make_person,
        workspace,
        first_name="Ana",
        emails=["ana@example.org"],
        tags=["Finalist"],
        skills=["Python", "SQL"],
        career_level="senior",
        job_type="full_time",
        consent_state="granted",
    )
    ben = make_candidate(make_person, workspace, first_name="Ben", skills=["Python"])
    opening = Opening.objects.create(
        workspace=workspace, title="Data Engineer", skills=["Python", "SQL"], career_level="senior"
    )
    return {
        "ana": ana,
        "ben": ben,
        "opening": opening,
        "tag": Tag.objects.get(workspace=workspace, name="Finalist"),
    }


def _snapshot():
    return (
        list(TalentPool.objects.order_by("pk").values()),
        PoolMember.objects.count(),
        Candidacy.objects.count(),
        OutboundMessage.objects.count(),
    )


def test_a_dynamic_pool_is_created_listed_with_its_count_and_its_members(api, things):
    filters = {"tags": [things["tag"].pk], "career_level": ["senior"], "consent_state": "granted"}
    response = api.post("/pools", {"name": "Finalists", "kind": "dynamic", "filters": filters})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["count"] == 1 and body["filters"]["consent_state"] == ["granted"]
    assert [p["name"] for p in api.get("/pools").json()] == ["Finalists"]
    [member] = api.get(f"/pools/{body['id']}/members").json()
    assert member["name"] == "Ana Müller"
    assert member["reasons"][0].endswith(": Finalist")  # the API answers in German


def test_static_pool_members_via_the_api(api, things):
    pool = api.post("/pools", {"name": "Chosen", "kind": "static"}).json()
    response = api.post(f"/pools/{pool['id']}/members", {"person_ids": [things["ben"].pk]})
    assert response.json() == {"added": 1}
    assert api.get(f"/pools/{pool['id']}").json()["count"] == 1
    assert api.delete(f"/pools/{pool['id']}/members/{things['ben'].pk}").status_code == 204


def test_matches_and_invite(api, things):
    opening = things["opening"]
    matches = api.get(f"/openings/{opening.pk}/matches").json()
    assert [m["name"] for m in matches] == ["Ana Müller", "Ben Müller"]
    assert matches[0]["matched_skills"] == ["Python", "SQL"]
    assert matches[1]["missing_skills"] == ["SQL"]
    response = api.post(f"/openings/{opening.pk}/invite", {"person_ids": [things["ana"].pk]})
    assert response.status_code == 201
    assert Candidacy.objects.filter(opening=opening, person=things["ana"]).exists()


@pytest.mark.parametrize(
    "body",
    [
        {"name": "P", "kind": "dynamic", "filters": {"age": {"max": 35}}},
        {"name": "P", "kind": "dynamic", "filters": {"gender": "f"}},
        {"name": "P", "kind": "dynamic", "filters": {"favourite_colour": "blue"}},
        {"name": "P", "kind": "dynamic", "filters": "career_level=senior"},
        {"name": "P", "kind": "dynamic", "filters": {"career_level": 3}},
        {"name": "P", "kind": "static", "filters": {"career_level": ["senior"]}},
        {"name": "", "kind": "dynamic"},
        {"name": "P", "kind": "mixed"},
    ],
)
def test_bad_filters_are_a_422_and_nothing_is_created(api, things, body):
    before = _snapshot()
    response = api.post("/pools", body)
    assert response.status_code == 422, response.json()
    assert _snapshot() == before


def test_a_protected_field_is_named_in_the_error(api, things):
    response = api.post("/pools", {"name": "P", "kind": "dynamic", "filters": {"age": 30}})
    assert "AGG" in json.dumps(response.json())


def test_malformed_json_is_refused_and_nothing_is_created(api, things):
    before = _snapshot()
    response = api.client.post(
        "/api/v1/pools",
        data='{"name": "P", "kind": "dynamic", "filters": {',
        content_type="application/json",
        headers=api.headers,
    )
    assert response.status_code in (400, 422)
    assert _snapshot() == before


def test_another_workspaces_pool_opening_and_person_are_refused(
    api, charlie_api, charlie, things, workspace
):
    recruiting_setup(workspace=charlie.active_workspace, enabled=True)
    pool = pool_create(workspace=workspace, name="Chosen", kind="static")
    before = _snapshot()
    assert charlie_api.get(f"/pools/{pool.pk}").status_code == 404
    assert charlie_api.get(f"/pools/{pool.pk}/members").status_code == 404
    assert charlie_api.patch(f"/pools/{pool.pk}", {"name": "X"}).status_code == 404
    assert charlie_api.delete(f"/pools/{pool.pk}").status_code == 404
    response = charlie_api.post(f"/pools/{pool.pk}/members", {"person_ids": [things["ben"].pk]})
    assert response.status_code == 404
    opening = things["opening"]
    assert charlie_api.get(f"/openings/{opening.pk}/matches").status_code == 404
    body = {"person_ids": [things["ana"].pk]}
    assert charlie_api.post(f"/openings/{opening.pk}/invite", body).status_code == 404
    theirs = Opening.objects.create(workspace=charlie.active_workspace, title="Spy")
    assert charlie_api.post(f"/openings/{theirs.pk}/invite", body).status_code == 422
    mine = pool_create(workspace=charlie.active_workspace, name="Mine", kind="static")
    response = charlie_api.post(f"/pools/{mine.pk}/members", {"person_ids": [things["ana"].pk]})
    assert response.status_code == 422
    assert _snapshot()[1:] == before[1:]
    assert TalentPool.objects.get(pk=pool.pk).name == "Chosen"


def test_a_viewer_reads_pools_but_cannot_write(viewer_api, things):
    assert viewer_api.get("/pools").status_code == 200
    before = _snapshot()
    assert viewer_api.post("/pools", {"name": "P", "kind": "static"}).status_code == 403
    body = {"person_ids": [things["ana"].pk]}
    assert viewer_api.post(f"/openings/{things['opening'].pk}/invite", body).status_code == 403
    assert _snapshot() == before


def test_the_pool_list_pages_with_offset_and_limit_beyond_a_hundred(api, things, workspace):
    TalentPool.objects.bulk_create(
        TalentPool(workspace=workspace, name=f"Pool {i:03}", kind="static") for i in range(110)
    )
    first = api.get("/pools").json()
    rest = api.get("/pools", offset=len(first)).json()
    assert len(first) == 100
    assert [p["name"] for p in first + rest] == [f"Pool {i:03}" for i in range(110)]
    small = api.get("/pools", limit=7, offset=105).json()
    assert [p["name"] for p in small] == [f"Pool {i:03}" for i in range(105, 110)]
    assert api.get("/pools", limit=0).status_code == 422
    assert api.get("/pools", limit=101).status_code == 422
