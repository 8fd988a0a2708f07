"""The recruiting rules (the recruiter's call after a personal rejection, the silver
medallists' news every 90 days) are edited in the follow-up settings like every other rule,
once the workspace recruits."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from kontaktpflege.followups.models import FollowUp, RecomputeRun, State
from kontaktpflege.followups.tests.test_rule_settings import DEFAULTS, URL
from kontaktpflege.recruiting import rejections

from .rejection_helpers import candidacy, opening, reason, recruiting

pytestmark = pytest.mark.django_db
DAY0 = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)
RECRUITING = {"rejection_call_days": "2", "silver_medallist_nurture_days": "90"}


@pytest.fixture
def team(workspace):
    recruiting(workspace)
    workspace.settings = {**workspace.settings, "recruiting": True, "time_zone": "Europe/Berlin"}
    workspace.save(update_fields=["settings"])
    return workspace


def test_a_recruiting_team_sees_its_rules_with_the_seeds_reason(alice_client, team):
    page = alice_client.get(URL).content.decode()
    for name, value in RECRUITING.items():
        assert f'name="{name}" value="{value}"' in page, name
    assert "Seed 002" in page


def test_a_personal_workspace_does_not_see_them(alice_client, workspace):
    page = alice_client.get(URL).content.decode()
    assert "rejection_call_days" not in page and "silver_medallist_nurture_days" not in page


def test_the_owner_changes_the_call_and_the_nurture_interval(
    alice, alice_client, team, django_capture_on_commit_callbacks
):
    with time_machine.travel(DAY0, tick=False):
        c = candidacy(team, opening(team), "final_interview")
        with django_capture_on_commit_callbacks(execute=True):
            rejections.candidacy_reject(
                candidacy=c, reason_id=reason(team).pk, user=alice, feedback_notes="Knapp."
            )
        [call] = FollowUp.objects.filter(rule="rejection_call", state=State.OPEN)
        assert call.due_on == dt.date(2026, 1, 7)
        data = {
            **DEFAULTS,
            "action": "rules",
            "rejection_call_days": "1",
            "silver_medallist_nurture_days": "60",
        }
        with django_capture_on_commit_callbacks(execute=True):
            response = alice_client.post(URL, data)
    assert response.status_code == 302
    team.refresh_from_db()
    rules = team.settings["followup_rules"]
    assert rules["rejection_call"]["offset_days"] == 1
    assert rules["silver_medallist_nurture"]["offset_days"] == 60
    [call] = FollowUp.objects.filter(rule="rejection_call", state=State.OPEN)
    assert call.due_on == dt.date(2026, 1, 6)
    page = alice_client.get(URL).content.decode()
    assert 'name="silver_medallist_nurture_days" value="60"' in page


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("silver_medallist_nurture_days", "0", "greater than or equal to 1"),
        ("rejection_call_days", "-1", "greater than or equal to 0"),
        ("rejection_call_days", "99999", "less than or equal to 3650"),
    ],
)
def test_bad_recruiting_rule_values_are_refused_and_nothing_changes(
    alice_client, team, field, value, message
):
    data = {**DEFAULTS, **RECRUITING, "action": "rules", field: value}
    response = alice_client.post(URL, data)
    assert response.status_code == 400
    assert message in response.content.decode()
    team.refresh_from_db()
    assert "followup_rules" not in team.settings
    assert not RecomputeRun.objects.exists()


def test_the_api_changes_the_recruiting_rules_like_every_other(api_token, team):
    from kontaktpflege.api.tests.conftest import ApiClient

    api = ApiClient(api_token)
    body = {"rules": {"silver_medallist_nurture": {"offset_days": 60, "enabled": False}}}
    response = api.patch("/settings/followups", body)
    assert response.status_code == 202, response.json()
    rules = {r["kind"]: r for r in response.json()["rules"]}
    assert rules["silver_medallist_nurture"]["offset_days"] == 60
    assert rules["silver_medallist_nurture"]["enabled"] is False
    assert rules["rejection_call"]["offset_days"] == 2
