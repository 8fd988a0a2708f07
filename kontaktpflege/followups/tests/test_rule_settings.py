"""Every default of the rule table is editable per workspace (issue #10, point 22)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from kontaktpflege.followups.models import FollowUp, RecomputeRun

from .conftest import berlin

pytestmark = pytest.mark.django_db
URL = "/settings/followups/"
DEFAULTS = {
    "core": "30",
    "active": "90",
    "network": "180",
    "new_contact_days": "3",
    "interview_thanks_days": "1",
    "status_inquiry_days": "21",
    "status_inquiry_until": "28",
    "feedback_request_days": "2",
    "conversation_thanks_days": "1",
    "reactivation_days": "365",
    "reciprocity_threshold": "2",
    "core_size": "20",
}


def _set_language(user, language):
    user.language = language
    user.save(update_fields=["language"])


@pytest.mark.parametrize(
    ("language", "reasons"),
    [
        (
            "en",
            ["within 72 hours", "after 3 to 4 weeks", "20 people you know", "12 months"],
        ),
        (
            "de",
            ["innerhalb von 72 Stunden", "nach 3 bis 4 Wochen", "20 Menschen", "12 Monaten"],
        ),
    ],
)
def test_the_owner_sees_every_rule_default_with_the_seeds_reason(
    alice_client, alice, language, reasons
):
    _set_language(alice, language)
    page = alice_client.get(URL).content.decode()
    for name, value in DEFAULTS.items():
        assert f'name="{name}" value="{value}"' in page, name
    for reason in reasons:
        assert reason in page, reason


@pytest.mark.parametrize("language", ["en", "de"])
def test_the_owner_changes_the_defaults_and_follow_ups_are_recomputed(
    alice_client, alice, workspace, make_person, committed, language
):
    _set_language(alice, language)
    with time_machine.travel(berlin(2026, 3, 2, 9), tick=False), committed():
        thomas = make_person(met_on=dt.date(2026, 3, 2))
    item = FollowUp.objects.get(person=thomas, rule="new_contact")
    assert item.due_on == dt.date(2026, 3, 5)
    data = {
        **DEFAULTS,
        "action": "rules",
        "new_contact_days": "2",
        "status_inquiry_days": "14",
        "status_inquiry_until": "30",
        "reactivation_days": "540",
        "reciprocity_threshold": "3",
        "core_size": "25",
        "core": "21",
    }
    with time_machine.travel(berlin(2026, 3, 2, 10), tick=False), committed():
        response = alice_client.post(URL, data)
    assert response.status_code == 302
    workspace.refresh_from_db()
    rules = workspace.settings["followup_rules"]
    assert rules["new_contact"]["offset_days"] == 2
    assert (rules["status_inquiry"]["offset_days"], rules["status_inquiry"]["window_days"]) == (
        14,
        16,
    )
    assert rules["reactivation"]["offset_days"] == 540
    assert rules["reciprocity"]["threshold"] == 3
    assert rules["core_size"]["threshold"] == 25
    assert workspace.settings["circle_days"]["core"] == 21
    assert RecomputeRun.objects.filter(workspace=workspace, finished_at__isnull=False).exists()
    item = FollowUp.objects.get(person=thomas, rule="new_contact")
    assert item.due_on == dt.date(2026, 3, 4)
    page = alice_client.get(URL).content.decode()
    assert 'name="status_inquiry_until" value="30"' in page
    assert 'name="core_size" value="25"' in page


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("status_inquiry_until", "10", "cannot be before the first day"),
        ("new_contact_days", "-1", "greater than or equal to 0"),
        ("core_size", "0", "greater than or equal to 1"),
        ("reactivation_days", "99999", "less than or equal to 3650"),
    ],
)
def test_bad_rule_values_are_refused_and_nothing_changes(
    alice_client, workspace, field, value, message
):
    response = alice_client.post(URL, {**DEFAULTS, "action": "rules", field: value})
    assert response.status_code == 400
    assert message in response.content.decode()
    workspace.refresh_from_db()
    assert "followup_rules" not in workspace.settings
    assert not RecomputeRun.objects.exists()


def test_only_the_owner_edits_the_rules(bob_client, workspace):
    assert 'id="rules-form"' not in bob_client.get(URL).content.decode()
    response = bob_client.post(URL, {**DEFAULTS, "action": "rules", "core_size": "5"})
    assert response.status_code == 404
    workspace.refresh_from_db()
    assert "followup_rules" not in workspace.settings
