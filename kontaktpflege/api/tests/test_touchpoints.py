"""Touchpoints over the API: log, list per person, read, change, delete."""

from __future__ import annotations

from kontaktpflege.touchpoints.models import Touchpoint


def test_it_logs_a_touchpoint_and_resets_the_cadence(api, make_person):
    anna = make_person(first_name="Anna")
    ben = make_person(first_name="Ben")
    response = api.post(
        "/touchpoints",
        {
            "participant_ids": [anna.pk, ben.pk],
            "summary": "Kaffee über Design Thinking",
            "occurred_at": "2024-05-02T09:30:00+02:00",
            "channel": "meeting",
            "give_take": "give",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert sorted(p["id"] for p in body["participants"]) == sorted([anna.pk, ben.pk])
    anna.refresh_from_db()
    assert anna.last_touched_at.isoformat() == "2024-05-02T07:30:00+00:00"


def test_it_lists_touchpoints_of_one_person(api, workspace, make_person):
    from kontaktpflege.touchpoints.services import touchpoint_log

    anna = make_person(first_name="Anna")
    ben = make_person(first_name="Ben")
    touchpoint_log(workspace=workspace, participants=[anna], summary="Call")
    touchpoint_log(workspace=workspace, participants=[ben], summary="Lunch")
    touchpoint_log(workspace=workspace, participants=[anna, ben], summary="Meetup")
    assert api.get("/touchpoints").json()["count"] == 3
    page = api.get("/touchpoints", person=anna.pk).json()
    assert page["count"] == 2
    assert {t["summary"] for t in page["items"]} == {"Call", "Meetup"}


def test_it_reads_changes_and_deletes_a_touchpoint(api, workspace, make_person):
    from kontaktpflege.touchpoints.services import touchpoint_log

    anna = make_person(first_name="Anna")
    ben = make_person(first_name="Ben")
    tp = touchpoint_log(workspace=workspace, participants=[anna], summary="Call")
    assert api.get(f"/touchpoints/{tp.pk}").json()["summary"] == "Call"
    response = api.patch(
        f"/touchpoints/{tp.pk}", {"summary": "Long call", "participant_ids": [ben.pk]}
    )
    assert response.status_code == 200, response.content
    assert [p["id"] for p in response.json()["participants"]] == [ben.pk]
    anna.refresh_from_db()
    assert anna.last_touched_at is None
    assert api.delete(f"/touchpoints/{tp.pk}").status_code == 204
    ben.refresh_from_db()
    assert ben.last_touched_at is None


def test_it_rejects_bad_touchpoints_and_logs_nothing(api, make_person):
    anna = make_person()
    bad = [
        ({"participant_ids": [], "summary": "x"}, "participant_ids"),
        ({"participant_ids": [anna.pk], "summary": ""}, "summary"),
        ({"participant_ids": [anna.pk], "summary": "x\x00y"}, "summary"),
        ({"participant_ids": [anna.pk], "summary": "x", "channel": "pigeon"}, "channel"),
        (
            {"participant_ids": [anna.pk], "summary": "x", "occurred_at": "2999-01-01T00:00:00Z"},
            "occurred_at",
        ),
        (
            {"participant_ids": [anna.pk], "summary": "x", "occurred_at": "2024-01-01T10:00:00"},
            "occurred_at",
        ),
    ]
    for payload, field in bad:
        response = api.post("/touchpoints", payload)
        assert response.status_code == 422, (payload, response.content)
        assert field in response.json()["errors"], (payload, response.json())
    assert Touchpoint.objects.count() == 0
    anna.refresh_from_db()
    assert anna.last_touched_at is None


def test_an_empty_summary_on_update_is_rejected(api, workspace, make_person):
    from kontaktpflege.touchpoints.services import touchpoint_log

    tp = touchpoint_log(workspace=workspace, participants=[make_person()], summary="Call")
    response = api.patch(f"/touchpoints/{tp.pk}", {"summary": "  "})
    assert response.status_code == 422
    tp.refresh_from_db()
    assert tp.summary == "Call"
