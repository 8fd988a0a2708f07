"""Follow-up settings over the API: everyone reads, only the owner changes; a change queues a
recompute whose progress is readable."""

from __future__ import annotations

import pytest

from kontaktpflege.api.tests.conftest import ApiClient
from kontaktpflege.followups.models import FollowUp, RecomputeRun


@pytest.fixture
def bob_api(bob, workspace) -> ApiClient:
    from kontaktpflege.accounts.services import api_token_create

    _token, raw = api_token_create(user=bob, workspace=workspace, name="b")
    return ApiClient(raw)


def test_everyone_reads_the_intervals_and_rules(api, viewer_api):
    body = api.get("/settings/followups").json()
    assert body["circle_days"] == {"core": 30, "active": 90, "network": 180, "dormant": 365}
    rules = {r["kind"]: r for r in body["rules"]}
    assert rules["birthday"]["window_days"] == 7
    assert body["can_change"] is True and body["recompute"] is None
    assert viewer_api.get("/settings/followups").json()["can_change"] is False


def test_the_owner_changes_rules_and_a_recompute_is_queued(api, workspace, make_person, committed):
    person = make_person(circle="core")
    with committed():
        response = api.patch(
            "/settings/followups",
            {"circle_days": {"core": 14}, "rules": {"birthday": {"window_days": 3}}},
        )
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["circle_days"]["core"] == 14
    assert {r["kind"]: r for r in body["rules"]}["birthday"]["window_days"] == 3
    run = RecomputeRun.objects.get()
    assert body["recompute"]["id"] == run.pk
    workspace.refresh_from_db()
    assert workspace.settings["circle_days"]["core"] == 14
    # The queued task ran on commit (immediate backend): the progress says so.
    progress = api.get(f"/settings/followups/recomputes/{run.pk}").json()
    assert progress["finished_at"] is not None and progress["error"] == ""
    assert progress["done"] == progress["total"] >= 1
    item = FollowUp.objects.get(person=person, rule="keep_in_touch")
    assert (item.due_on - person.created_at.date()).days in (13, 14, 15)


def test_the_progress_of_a_running_recompute_shows_in_the_settings(api):
    response = api.patch("/settings/followups", {"circle_days": {"active": 60}})
    assert response.status_code == 202
    run_id = response.json()["recompute"]["id"]
    assert api.get("/settings/followups").json()["recompute"]["id"] == run_id
    progress = api.get(f"/settings/followups/recomputes/{run_id}").json()
    assert progress["finished_at"] is None and progress["percent"] == 0


def _rules_state(workspace) -> tuple:
    workspace.refresh_from_db()
    return (workspace.settings, RecomputeRun.objects.count())


BAD = [
    ({"circle_days": {"core": 0}}, "circle_days.core"),
    ({"circle_days": {"core": 3651}}, "circle_days.core"),
    ({"circle_days": {"core": "soon"}}, "circle_days.core"),
    ({"circle_days": {"core": None}}, "circle_days.core"),
    ({"rules": {"birthday": {"offset_days": -1}}}, "rules.birthday.offset_days"),
    ({"rules": {"birthday": {"enabled": "maybe"}}}, "rules.birthday.enabled"),
    ({"rules": {"teleport": {"offset_days": 3}}}, "__all__"),
]


@pytest.mark.parametrize(("payload", "field"), BAD, ids=[b[1] for b in BAD])
def test_bad_rules_are_refused_and_nothing_changes(api, workspace, payload, field):
    before = _rules_state(workspace)
    response = api.patch("/settings/followups", payload)
    assert response.status_code == 422, response.content
    assert field in response.json()["errors"], response.json()
    assert _rules_state(workspace) == before


def test_only_the_owner_changes_rules(bob_api, viewer_api, workspace):
    before = _rules_state(workspace)
    for client in (bob_api, viewer_api):
        response = client.patch("/settings/followups", {"circle_days": {"core": 10}})
        assert response.status_code == 403, response.content
    assert _rules_state(workspace) == before
