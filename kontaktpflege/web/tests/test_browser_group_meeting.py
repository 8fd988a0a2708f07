"""A group meeting in real Chromium (seed 001): five people ticked on one form, one entry in
the log, and each of the five leaves Today's overdue list with a new keep-in-touch date."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from kontaktpflege.followups.models import FollowUp, State
from kontaktpflege.followups.services import (
    followups_refresh_people,
    workspace_today,
    workspace_zone,
)
from kontaktpflege.touchpoints.models import Touchpoint
from kontaktpflege.touchpoints.services import touchpoint_log
from kontaktpflege.web.tests.browser import collect_console_errors, serious_axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NAMES = [
    ("Anna", "Berg"),
    ("Ben", "Kraus"),
    ("Clara", "Lang"),
    ("Dieter", "Moser"),
    ("Eva", "Nagel"),
]


def _due(people) -> dict[int, dt.date]:
    rows = FollowUp.objects.filter(
        person__in=people, rule="keep_in_touch", state=State.OPEN
    ).values_list("person_id", "due_on")
    return dict(rows)


def test_a_group_meeting_with_five_people_resets_five_cadences(
    logged_in_page, workspace, make_person
):
    five = [make_person(first_name=f, last_name=last, circle="core") for f, last in NAMES]
    # last seen together 40 local days ago, at noon, so neither the hour of the run nor a
    # change to or from summer time moves the day: all five are overdue (core: every 30 days)
    today = workspace_today(workspace)
    noon = dt.datetime.combine(today - dt.timedelta(days=40), dt.time(12))
    touchpoint_log(
        workspace=workspace,
        participants=five,
        summary="Sommerfest",
        occurred_at=noon.replace(tzinfo=workspace_zone(workspace)),
    )
    followups_refresh_people(person_ids=[p.pk for p in five])
    assert set(_due(five).values()) == {today - dt.timedelta(days=10)}

    page = logged_in_page
    errors = collect_console_errors(page)
    page.goto("/")
    for first, last in NAMES:
        expect(page.locator("#main")).to_contain_text(f"{first} {last}")
    page.goto("/log/group/")
    page.fill("#id_summary", "Stammtisch der Ehemaligen")
    for first, last in NAMES:
        page.get_by_label(f"{first} {last}").check()
    assert serious_axe_violations(page) == []
    page.click("#group-meeting-form button[type=submit]")
    page.wait_for_url("**/log/**")

    meeting = Touchpoint.objects.get(summary="Stammtisch der Ehemaligen")
    assert meeting.channel == "group_meeting"
    assert set(meeting.participants.values_list("pk", flat=True)) == {p.pk for p in five}
    after = _due(five)
    assert after == {p.pk: today + dt.timedelta(days=30) for p in five}
    page.goto("/")
    for first, last in NAMES:
        expect(page.locator("#main")).not_to_contain_text(f"{first} {last}")
    assert errors == []
