"""Recruiting over the API: openings, candidacies, stage moves and notes; roles, isolation."""

from __future__ import annotations

import pytest

from kontaktpflege.recruiting.models import Candidacy, Opening, PipelineStage, StageMove, StageNote

pytestmark = pytest.mark.django_db


@pytest.fixture
def recruiting(workspace):
    from kontaktpflege.recruiting.services import recruiting_switch

    return recruiting_switch(workspace=workspace, enabled=True)


@pytest.fixture
def stage(workspace):
    return lambda key: PipelineStage.objects.get(workspace=workspace, key=key)


@pytest.fixture
def opening(api, recruiting):
    response = api.post(
        "/openings",
        {"title": "Controller:in", "skills": ["SAP", "Excel"], "career_level": "senior"},
    )
    assert response.status_code == 201, response.json()
    return response.json()


@pytest.fixture
def candidacy(api, opening, make_person):
    person = make_person(first_name="Lena", last_name="Wolf")
    response = api.post(f"/openings/{opening['id']}/candidacies", {"person_id": person.pk})
    assert response.status_code == 201, response.json()
    return response.json()


def _snapshot():
    return (
        list(Opening.objects.order_by("pk").values()),
        list(Candidacy.objects.order_by("pk").values()),
        StageMove.objects.count(),
        StageNote.objects.count(),
    )


def test_an_opening_is_created_listed_and_changed(api, opening):
    assert opening["skills"] == ["SAP", "Excel"] and opening["status"] == "open"
    assert opening["candidacy_count"] == 0
    listed = api.get("/openings", status="open").json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == opening["id"]
    changed = api.patch(f"/openings/{opening['id']}", {"status": "filled"}).json()
    assert changed["status"] == "filled" and changed["title"] == "Controller:in"
    assert api.get("/openings", status="open").json()["count"] == 0


@pytest.mark.parametrize(
    "body",
    [
        {"title": ""},
        {"title": "x", "status": "bogus"},
        {"title": "x", "work_mode": "moon"},
        {"title": "x\x00y"},
        {"title": "x", "skills": ["a" * 81]},
    ],
)
def test_a_bad_opening_is_a_422_and_nothing_is_saved(api, recruiting, body):
    response = api.post("/openings", body)
    assert response.status_code == 422, response.json()
    assert response.json()["errors"]
    assert not Opening.objects.exists()


def test_a_candidacy_moves_with_history_and_notes(api, candidacy, stage):
    assert candidacy["stage_id"] == stage("applied").pk
    moved = api.post(
        f"/candidacies/{candidacy['id']}/move", {"stage_id": stage("final_interview").pk}
    ).json()
    assert moved["stage_id"] == stage("final_interview").pk
    assert [m["to_stage_id"] for m in moved["moves"]] == [
        stage("applied").pk,
        stage("final_interview").pk,
    ]
    assert moved["moves"][1]["moved_by"] == "alice"
    note = api.post(f"/candidacies/{candidacy['id']}/notes", {"text": "Sehr gut", "rating": 5})
    assert note.status_code == 201 and note.json()["stage_id"] == stage("final_interview").pk
    listed = api.get(f"/openings/{candidacy['opening_id']}/candidacies", q="lena").json()
    assert [c["id"] for c in listed["items"]] == [candidacy["id"]]
    opening = api.get(f"/openings/{candidacy['opening_id']}").json()
    assert (opening["candidacy_count"], opening["active_count"]) == (1, 1)


def test_stage_and_person_of_another_workspace_are_a_422_on_their_field(
    api, candidacy, charlie, stage
):
    from kontaktpflege.contacts.services import person_create
    from kontaktpflege.recruiting.services import recruiting_switch

    recruiting_switch(workspace=charlie.active_workspace, enabled=True)
    foreign = PipelineStage.objects.get(workspace=charlie.active_workspace, key="offer")
    eve = person_create(workspace=charlie.active_workspace, first_name="Eve")
    before = _snapshot()
    response = api.post(f"/candidacies/{candidacy['id']}/move", {"stage_id": foreign.pk})
    assert response.status_code == 422 and "stage_id" in response.json()["errors"]
    response = api.post(f"/candidacies/{candidacy['id']}/move", {"stage_id": stage("rejected").pk})
    assert response.status_code == 422 and "stage_id" in response.json()["errors"]
    response = api.post(f"/openings/{candidacy['opening_id']}/candidacies", {"person_id": eve.pk})
    assert response.status_code == 422 and "person_id" in response.json()["errors"]
    response = api.post(f"/candidacies/{candidacy['id']}/notes", {"rating": 9})
    assert response.status_code == 422
    assert _snapshot() == before


def test_charlie_gets_404_for_alices_openings_and_candidacies(charlie_api, candidacy, stage):
    before = _snapshot()
    c, o = candidacy["id"], candidacy["opening_id"]
    for method, path, body in [
        ("get", f"/openings/{o}", None),
        ("patch", f"/openings/{o}", {"title": "Hacked"}),
        ("get", f"/openings/{o}/candidacies", None),
        ("post", f"/openings/{o}/candidacies", {"person_id": candidacy["person_id"]}),
        ("get", f"/candidacies/{c}", None),
        ("post", f"/candidacies/{c}/move", {"stage_id": stage("offer").pk}),
        ("post", f"/candidacies/{c}/notes", {"text": "Hacked"}),
    ]:
        response = getattr(charlie_api, method)(path, body) if body else charlie_api.get(path)
        assert response.status_code == 404, (method, path, response.status_code)
    assert charlie_api.get("/openings").json()["count"] == 0
    assert charlie_api.get("/recruiting/stages").json() == []
    assert _snapshot() == before


def test_a_viewer_reads_but_may_not_write(viewer_api, candidacy, stage):
    before = _snapshot()
    c, o = candidacy["id"], candidacy["opening_id"]
    assert viewer_api.get(f"/candidacies/{c}").status_code == 200
    for path, body in [
        ("/openings", {"title": "X"}),
        (f"/candidacies/{c}/move", {"stage_id": stage("offer").pk}),
        (f"/candidacies/{c}/notes", {"text": "X"}),
        (f"/openings/{o}/candidacies", {"person_id": candidacy["person_id"]}),
    ]:
        assert viewer_api.post(path, body).status_code == 403, path
    assert viewer_api.patch(f"/openings/{o}", {"title": "X"}).status_code == 403
    assert _snapshot() == before


def test_the_stages_are_listed_in_order(api, recruiting):
    keys = [s["key"] for s in api.get("/recruiting/stages").json()]
    assert keys[:2] == ["applied", "screening"] and keys[-1] == "withdrawn"
