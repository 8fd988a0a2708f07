"""Group meetings (seed 001): one entry for several people resets every participant's cadence."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from kontaktpflege.followups.models import FollowUp, State
from kontaktpflege.touchpoints.models import Participation, Touchpoint

BERLIN = ZoneInfo("Europe/Berlin")
URL = "/log/group/"


def _open_keep_in_touch(people) -> dict[int, dt.date]:
    rows = FollowUp.objects.filter(
        person__in=people, rule="keep_in_touch", state=State.OPEN
    ).values_list("person_id", "due_on")
    return dict(rows)


@pytest.fixture
def five(make_person, django_capture_on_commit_callbacks):
    names = [
        ("Anna", "Berg"),
        ("Ben", "Kraus"),
        ("Clara", "Lang"),
        ("Dieter", "Moser"),
        ("Eva", "Nagel"),
    ]
    with (
        time_machine.travel(dt.datetime(2025, 1, 6, 9, tzinfo=BERLIN), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        return [make_person(first_name=f, last_name=last, circle="core") for f, last in names]


def test_a_group_meeting_with_five_people_moves_all_five_keep_in_touch_items(
    alice_client, five, django_capture_on_commit_callbacks
):
    before = _open_keep_in_touch(five)
    assert len(before) == 5 and set(before.values()) == {dt.date(2025, 2, 5)}
    with (
        time_machine.travel(dt.datetime(2025, 1, 20, 19, tzinfo=BERLIN), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = alice_client.post(
            URL,
            {
                "occurred_at": "2025-01-20T18:30",
                "summary": "Stammtisch der Ehemaligen",
                # three ticked, two typed: both ways add people to the same meeting
                "people": [five[0].pk, five[1].pk, five[2].pk],
                "names": "Dieter Moser,\nEva Nagel",
                "token": "group-1",
            },
        )
    assert response.status_code == 302
    touchpoint = Touchpoint.objects.get()
    assert touchpoint.channel == "group_meeting"
    assert set(touchpoint.participants.values_list("pk", flat=True)) == {p.pk for p in five}
    copies = Participation.objects.filter(touchpoint=touchpoint)
    assert set(copies.values_list("channel", "give_take")) == {("group_meeting", "")}
    after = _open_keep_in_touch(five)
    # 30 days (core circle) from the meeting, for each of the five
    assert after == {p.pk: dt.date(2025, 2, 19) for p in five}


def test_the_form_lists_core_people_to_tick_and_prefills_a_linked_person(alice_client, five):
    page = alice_client.get(URL + f"?person={five[3].pk}").content.decode()
    for person in five:
        assert person.full_name in page
    assert f'value="{five[3].pk}" ' in page and "checked" in page


def test_a_name_that_matches_nobody_logs_nothing_and_says_which(alice_client, five):
    response = alice_client.post(
        URL,
        {
            "occurred_at": "2025-01-20T18:30",
            "summary": "Stammtisch",
            "people": [five[0].pk],
            "names": "Zacharias Unbekannt",
        },
    )
    assert response.status_code == 400
    assert "Nobody called “Zacharias Unbekannt” was found." in response.content.decode()
    assert not Touchpoint.objects.exists() and not Participation.objects.exists()


def test_nobody_chosen_is_refused(alice_client, five):
    response = alice_client.post(URL, {"occurred_at": "2025-01-20T18:30", "summary": "Runde"})
    assert response.status_code == 400
    assert "Choose at least one person." in response.content.decode()
    assert not Touchpoint.objects.exists()


def test_a_person_of_another_workspace_cannot_be_ticked(charlie_client, five):
    response = charlie_client.post(
        URL, {"occurred_at": "2025-01-20T18:30", "summary": "Runde", "people": [five[0].pk]}
    )
    assert response.status_code == 400
    assert not Touchpoint.objects.exists()
    page = charlie_client.get(URL + f"?person={five[0].pk}").content.decode()
    assert f'value="{five[0].pk}"' not in page
