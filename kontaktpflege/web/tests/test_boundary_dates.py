"""Dates at the edges of the calendar: refused on the way in, shown safely if stored earlier.

Near year 1 or 9999 converting to a member's zone overflows; Pacific/Kiritimati was
10:29 behind UTC in local mean time and is 14 hours ahead today.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from kontaktpflege.contacts.models import Person
from kontaktpflege.touchpoints.models import Participation, Touchpoint

pytestmark = pytest.mark.django_db

YEAR_ONE = dt.datetime(1, 1, 1, tzinfo=dt.UTC)
YEAR_9999 = dt.datetime(9999, 12, 31, 23, tzinfo=dt.UTC)
RANGE_ERROR = "Choose a date between 1900-01-01 and 2200-12-31."
RANGE_ERROR_DE = "Wählen Sie ein Datum zwischen 1900-01-01 und 2200-12-31."


@pytest.fixture
def kiritimati_client(bob) -> Client:
    """bob, a member of alice's workspace, reading in Pacific/Kiritimati."""
    bob.time_zone = "Pacific/Kiritimati"
    bob.save(update_fields=["time_zone"])
    client = Client()
    client.force_login(bob)
    return client


def stored_before_the_bound(workspace, person, when: dt.datetime) -> Touchpoint:
    """A touchpoint written before dates were bounded (the services refuse it now)."""
    touchpoint = Touchpoint.objects.create(
        workspace=workspace, occurred_at=when, channel="meeting", summary="Altlast"
    )
    Participation.objects.create(
        touchpoint=touchpoint, person=person, occurred_at=when, channel="meeting"
    )
    Person.objects.filter(pk=person.pk).update(last_touched_at=when)
    return touchpoint


@pytest.mark.parametrize("when", [YEAR_ONE, YEAR_9999], ids=["year-1", "year-9999"])
def test_pages_show_a_touchpoint_stored_at_the_edge_of_the_calendar(
    workspace, make_person, kiritimati_client, when
):
    person = make_person(first_name="Anna", circle="core")
    touchpoint = stored_before_the_bound(workspace, person, when)
    pages = [
        "/log/",
        f"/people/{person.pk}/",
        "/reactivate/",
        "/people/",
        f"/log/{touchpoint.pk}/edit/",
        f"/log/{touchpoint.pk}/delete/",
    ]
    for url in pages:
        response = kiritimati_client.get(url)
        assert response.status_code == 200, url
    assert "Altlast" in kiritimati_client.get("/log/").content.decode()


@pytest.mark.parametrize(
    "query",
    ["touched_after=0001-01-01", "touched_before=9999-12-31", "touched_after=1899-12-31"],
)
@pytest.mark.parametrize("url", ["/people/", "/data/export/"])
def test_the_people_list_and_export_refuse_dates_out_of_range_with_a_400(
    alice_client, make_person, url, query
):
    make_person()
    response = alice_client.get(f"{url}?{query}")
    assert response.status_code == 400
    body = response.content.decode()
    assert RANGE_ERROR in body and query.split("=")[0] in body


def test_the_people_list_still_filters_by_dates_in_range(alice_client, workspace, make_person):
    person = make_person(first_name="Anna")
    stored_before_the_bound(workspace, person, dt.datetime(2024, 3, 1, tzinfo=dt.UTC))
    assert "Anna" in alice_client.get("/people/?touched_after=1900-01-01").content.decode()
    page = alice_client.get("/people/?touched_before=2200-12-31")
    assert page.status_code == 200 and "Anna" in page.content.decode()


@pytest.mark.parametrize("when", ["0001-01-01T00:00", "9999-12-31T23:00", "1899-12-31T12:00"])
def test_the_touchpoint_form_refuses_a_date_out_of_range_and_logs_nothing(
    kiritimati_client, make_person, when
):
    person = make_person()
    response = kiritimati_client.post(
        f"/people/{person.pk}/log/",
        {"occurred_at": when, "channel": "meeting", "direction": "mutual", "summary": "Alt"},
    )
    assert response.status_code == 200  # the form again, with the error (bob reads German)
    assert RANGE_ERROR_DE in response.content.decode()
    assert not Touchpoint.objects.exists()
    person.refresh_from_db()
    assert person.last_touched_at is None


def test_the_person_form_refuses_a_met_on_date_out_of_range_and_changes_nothing(
    alice_client, make_person
):
    person = make_person(first_name="Anna", last_name="Alt")
    response = alice_client.post(
        f"/people/{person.pk}/edit/",
        {
            "first_name": "Anna",
            "last_name": "Neu",
            "circle": "network",
            "language": "de",
            "form_of_address": "sie",
            "met_on": "0001-01-01",
        },
    )
    assert RANGE_ERROR in response.content.decode()
    person.refresh_from_db()
    assert person.last_name == "Alt" and person.met_on is None
