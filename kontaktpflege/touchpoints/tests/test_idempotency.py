"""A touchpoint is logged once per form, and a failing refresh never fails the log."""

from __future__ import annotations

import re

import pytest
from django.db import OperationalError

from kontaktpflege.followups import services as followup_services
from kontaktpflege.followups.models import FollowUp
from kontaktpflege.touchpoints.models import Touchpoint
from kontaktpflege.touchpoints.services import touchpoint_log


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    def block():
        return django_capture_on_commit_callbacks(execute=True)

    return block


def _token(page: str) -> str:
    found = re.search(r'name="token" value="([0-9a-f]{32})"', page)
    assert found, "the quick log form carries a one-time token"
    return found.group(1)


def test_a_resubmitted_quick_log_logs_the_touchpoint_once(alice_client, make_person):
    make_person(first_name="Thomas", last_name="Weber")
    token = _token(alice_client.get("/people/").content.decode())
    data = {"text": "Kaffee mit Thomas Weber", "token": token, "next": "/people/"}
    first = alice_client.post("/log/quick/", data)
    second = alice_client.post("/log/quick/", data)  # double click, or a retry
    assert first.status_code == second.status_code == 302
    assert Touchpoint.objects.filter(summary__contains="Kaffee").count() == 1


def test_every_page_gives_the_quick_log_a_new_token(alice_client):
    first = _token(alice_client.get("/people/").content.decode())
    second = _token(alice_client.get("/people/").content.decode())
    assert first != second


def test_two_forms_with_their_own_tokens_log_two_touchpoints(alice_client, make_person):
    make_person(first_name="Thomas", last_name="Weber")
    for token in ("a" * 32, "b" * 32):
        alice_client.post("/log/quick/", {"text": "Anruf mit Thomas Weber", "token": token})
    assert Touchpoint.objects.filter(summary__contains="Anruf").count() == 2


def test_the_full_form_is_logged_once_when_sent_twice(alice_client, make_person):
    thomas = make_person()
    page = alice_client.get(f"/people/{thomas.pk}/log/").content.decode()
    data = {
        "token": _token(page),
        "occurred_at": "2025-06-02T10:00",
        "channel": "call",
        "direction": "out",
        "summary": "Called about the offer",
        "notes": "",
        "give_take": "",
    }
    alice_client.post(f"/people/{thomas.pk}/log/", data)
    alice_client.post(f"/people/{thomas.pk}/log/", data)
    assert Touchpoint.objects.filter(summary="Called about the offer").count() == 1


def test_a_repeated_key_returns_the_first_touchpoint_and_writes_nothing(workspace, make_person):
    thomas = make_person()
    first = touchpoint_log(
        workspace=workspace, participants=[thomas], summary="Lunch", idempotency_key="k1"
    )
    again = touchpoint_log(
        workspace=workspace, participants=[thomas], summary="Lunch again", idempotency_key="k1"
    )
    assert again.pk == first.pk
    assert Touchpoint.objects.count() == 1


def test_the_same_key_in_another_workspace_is_another_touchpoint(workspace, make_person, charlie):
    from kontaktpflege.contacts.services import person_create

    thomas = make_person()
    other = person_create(workspace=charlie.active_workspace, first_name="Eva", last_name="Roth")
    touchpoint_log(workspace=workspace, participants=[thomas], summary="A", idempotency_key="k")
    touchpoint_log(
        workspace=charlie.active_workspace, participants=[other], summary="B", idempotency_key="k"
    )
    assert Touchpoint.objects.count() == 2


def test_a_failing_follow_up_refresh_after_a_quick_log_is_handed_to_the_worker(
    alice_client, make_person, committed, monkeypatch
):
    thomas = make_person(first_name="Thomas", last_name="Weber", circle="core")
    real = followup_services.followups_refresh_people
    calls: list[list[int]] = []

    def locked_once(*, person_ids, **kwargs):
        calls.append(person_ids)
        if len(calls) == 1:
            raise OperationalError("database is locked")
        return real(person_ids=person_ids, **kwargs)

    monkeypatch.setattr(followup_services, "followups_refresh_people", locked_once)
    with committed():
        response = alice_client.post("/log/quick/", {"text": "Kaffee mit Thomas Weber"})
    assert response.status_code == 302  # the touchpoint was saved: no 500, no retry needed
    assert Touchpoint.objects.filter(participants=thomas).count() == 1
    # The refresh ran again through the task queue (immediate in tests) and succeeded.
    assert len(calls) == 2
    assert FollowUp.objects.filter(person=thomas, rule="keep_in_touch").exists()
