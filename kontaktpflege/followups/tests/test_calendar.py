"""The private ICS feed: valid RFC 5545, secret and rotatable token."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from icalendar import Calendar

from kontaktpflege.followups.models import FollowUp
from kontaktpflege.followups.notifications import ics_token_rotate
from kontaktpflege.followups.selectors import notification_settings_for

from .conftest import berlin

pytestmark = pytest.mark.django_db


@time_machine.travel(berlin(2025, 6, 2, 9), tick=False)
def test_the_feed_parses_back_with_follow_ups_birthdays_and_networking_time(
    alice, workspace, make_person, committed, client
):
    with committed():
        thomas = make_person(birthday_day=14, birthday_month=6)
    row = notification_settings_for(user=alice, workspace=workspace)
    response = client.get(reverse("calendar_feed", args=[row.ics_token]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    cal = Calendar.from_ical(response.content)
    events = {str(e["uid"]): e for e in cal.walk("VEVENT")}
    item = FollowUp.objects.get(person=thomas, rule="birthday")
    event = events[f"followup-{item.pk}@kontaktpflege"]
    assert event.decoded("dtstart") == dt.date(2025, 6, 14)
    assert "Thomas has a birthday on June 14" in str(event["summary"])
    yearly = events[f"birthday-{thomas.pk}@kontaktpflege"]
    assert yearly["rrule"]["FREQ"] == ["YEARLY"]
    block = events[f"networking-{row.pk}@kontaktpflege"]
    start = block.decoded("dtstart")
    assert (start.weekday(), start.hour, str(start.tzinfo)) == (4, 16, "Europe/Berlin")
    assert cal.walk("VTIMEZONE"), "a TZID needs its VTIMEZONE"
    assert all("dtstamp" in e for e in events.values())


def test_a_tampered_or_rotated_token_gets_404(alice, workspace, client):
    row = notification_settings_for(user=alice, workspace=workspace)
    old = row.ics_token
    assert client.get(reverse("calendar_feed", args=[old])).status_code == 200
    assert client.get(reverse("calendar_feed", args=[old[:-1] + "x"])).status_code == 404
    assert client.get(reverse("calendar_feed", args=["short"])).status_code == 404
    ics_token_rotate(row=row)
    assert client.get(reverse("calendar_feed", args=[old])).status_code == 404
    assert client.get(reverse("calendar_feed", args=[row.ics_token])).status_code == 200


def test_rotating_from_the_settings_page_asks_for_confirmation_first(
    alice, alice_client, workspace
):
    url = reverse("followup_settings")
    old = notification_settings_for(user=alice, workspace=workspace).ics_token
    settings_page = alice_client.get(url).content.decode()
    assert 'id="rotate-token"' in settings_page and 'name="confirm"' not in settings_page
    asked = alice_client.post(url, {"action": "rotate"})
    page = asked.content.decode()
    assert asked.status_code == 200 and "the old one stops working at once" in page
    assert 'name="confirm" value="1"' in page and f'href="{url}"' in page  # confirm or cancel
    assert notification_settings_for(user=alice, workspace=workspace).ics_token == old
    assert alice_client.post(url, {"action": "rotate", "confirm": "0"}).status_code == 200
    assert notification_settings_for(user=alice, workspace=workspace).ics_token == old
    assert alice_client.post(url, {"action": "rotate", "confirm": "1"}).status_code == 302
    new = notification_settings_for(user=alice, workspace=workspace).ics_token
    assert new != old
    assert new in alice_client.get(url).content.decode()


@time_machine.travel(berlin(2025, 6, 2, 9), tick=False)
def test_the_feed_speaks_the_users_language(bob, workspace, make_person, committed, client):
    with committed():
        make_person(birthday_day=14, birthday_month=6)
    row = notification_settings_for(user=bob, workspace=workspace)
    body = client.get(reverse("calendar_feed", args=[row.ics_token])).content.decode()
    assert "Thomas hat am 14. Juni Geburtstag" in body.replace("\r\n ", "")
