"""Input that used to give a 500: dates at the edges of the calendar and lone surrogates.

Every refusal is a 422 naming the field, and nothing was changed. The requests ask for German
with Accept-Language (alice's own language is English; test_language covers the choice).
"""

from __future__ import annotations

import json

import pytest

from kontaktpflege.contacts.models import Employment, Organisation, Person, Tag
from kontaktpflege.touchpoints.models import Touchpoint

from .conftest import BASE

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _in_german(api):
    api.headers["Accept-Language"] = "de"


RANGE_ERROR = "Wählen Sie ein Datum zwischen 1900-01-01 und 2200-12-31."
SURROGATE_ERROR = "Enthält ein ungültiges Zeichen (ein einzelnes UTF-16-Surrogat)."
OUT_OF_RANGE = ["0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "1899-12-31T23:00:00Z"]


def raw_post(api, path: str, body: str, method: str = "post"):
    """Send a JSON body as written: json.dumps would escape a lone surrogate differently."""
    call = getattr(api.client, method)
    return call(BASE + path, data=body, content_type="application/json", headers=api.headers)


def assert_refused(response, field: str, message: str) -> None:
    assert response.status_code == 422, response.content
    assert message in response.json()["errors"][field], response.json()


@pytest.mark.parametrize("when", OUT_OF_RANGE)
def test_a_touchpoint_out_of_range_is_refused_and_nothing_is_logged(api, make_person, when):
    anna = make_person()
    payload = {"participant_ids": [anna.pk], "summary": "Alt", "occurred_at": when}
    assert_refused(api.post("/touchpoints", payload), "occurred_at", RANGE_ERROR)
    assert not Touchpoint.objects.exists()
    anna.refresh_from_db()
    assert anna.last_touched_at is None


def test_moving_a_touchpoint_out_of_range_is_refused_and_changes_nothing(
    api, workspace, make_person
):
    from kontaktpflege.touchpoints.services import touchpoint_log

    anna = make_person()
    touchpoint = touchpoint_log(workspace=workspace, participants=[anna], summary="Call")
    before = touchpoint.occurred_at
    response = api.patch(f"/touchpoints/{touchpoint.pk}", {"occurred_at": OUT_OF_RANGE[0]})
    assert_refused(response, "occurred_at", RANGE_ERROR)
    touchpoint.refresh_from_db()
    assert touchpoint.occurred_at == before


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_people_dates_out_of_range_are_refused_and_nothing_is_saved(api, make_person, acme, day):
    assert_refused(api.post("/people", {"last_name": "Alt", "met_on": day}), "met_on", RANGE_ERROR)
    assert not Person.objects.filter(last_name="Alt").exists()
    anna = make_person(first_name="Anna")
    response = api.patch(f"/people/{anna.pk}", {"last_name": "Neu", "met_on": day})
    assert_refused(response, "met_on", RANGE_ERROR)
    anna.refresh_from_db()
    assert anna.last_name == "Müller" and anna.met_on is None
    payload = {"organisation_id": acme.pk, "start_date": day}
    response = api.post(f"/people/{anna.pk}/employment", payload)
    assert_refused(response, "start_date", RANGE_ERROR)
    assert not Employment.objects.exists()


@pytest.mark.parametrize(
    "query", [{"touched_after": "0001-01-01"}, {"touched_before": "9999-12-31"}]
)
def test_the_people_list_refuses_filter_dates_out_of_range(api, make_person, query):
    make_person()
    assert_refused(api.get("/people", **query), next(iter(query)), RANGE_ERROR)


def test_the_people_list_accepts_the_first_and_last_day_of_the_range(api, make_person):
    make_person()
    assert api.get("/people", touched_after="1900-01-01").status_code == 200
    assert api.get("/people", touched_before="2200-12-31").status_code == 200


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/people", '{"first_name": "\\ud800"}', "first_name"),
        ("/people", '{"last_name": "Alt", "notes": "a\\udfffb"}', "notes"),
        ("/people", '{"last_name": "Alt", "tags": ["ok", "\\ud83d"]}', "tags"),
        ("/people", '{"last_name": "Alt", "emails": ["\\ud800@example.org"]}', "emails"),
        ("/organisations", '{"name": "\\ud800 GmbH"}', "name"),
        ("/tags", '{"name": "\\udc00"}', "name"),
    ],
)
def test_lone_surrogates_are_refused_and_nothing_is_saved(api, path, body, field):
    people = Person.objects.count()  # alice's own entry
    assert_refused(raw_post(api, path, body), field, SURROGATE_ERROR)
    assert Person.objects.count() == people
    assert not Organisation.objects.exists()
    assert not Tag.objects.exists()


def test_lone_surrogates_in_changes_and_touchpoints_are_refused(api, make_person):
    anna = make_person(first_name="Anna")
    response = raw_post(api, f"/people/{anna.pk}", '{"first_name": "\\ud800"}', "patch")
    assert_refused(response, "first_name", SURROGATE_ERROR)
    anna.refresh_from_db()
    assert anna.first_name == "Anna"
    body = json.dumps({"participant_ids": [anna.pk], "summary": "X"}).replace('"X"', '"\\ud800"')
    assert_refused(raw_post(api, "/touchpoints", body), "summary", SURROGATE_ERROR)
    assert not Touchpoint.objects.exists()


def test_a_proper_pair_of_surrogates_is_an_emoji_and_is_kept(api):
    response = raw_post(api, "/people", '{"first_name": "\\ud83d\\ude00", "last_name": "Smile"}')
    assert response.status_code == 201, response.content
    assert response.json()["first_name"] == "😀"
