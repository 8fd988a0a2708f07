"""A candidate's location comes from the person (Person.location) and follows its changes;
re-matching says "location unknown" when nobody knows where a candidate lives."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.utils import translation

from kontaktpflege.contacts.services import person_update
from kontaktpflege.recruiting.models import CandidateProfile
from kontaktpflege.recruiting.rematch import rematch
from kontaktpflege.recruiting.services import candidacy_create, opening_create
from kontaktpflege.recruiting.tags import candidate_profile_set
from kontaktpflege.recruiting.tests.factories import make_candidate

pytestmark = pytest.mark.django_db


def _location(person) -> str:
    return CandidateProfile.objects.get(person=person).location


def test_a_new_candidacy_gives_the_profile_the_persons_location(opening, make_person):
    person = make_person(first_name="Jana", location="Köln")
    candidacy_create(opening=opening, person=person)
    assert _location(person) == "Köln"


def test_the_profile_follows_when_the_persons_location_changes(
    opening, make_person, committed_tasks
):
    person = make_person(first_name="Jana", location="Köln")
    candidacy_create(opening=opening, person=person)
    with committed_tasks():
        person_update(person=person, location="Bonn")
    assert _location(person) == "Bonn"


def test_a_profile_set_by_hand_starts_with_the_persons_location(workspace, make_person):
    person = make_person(first_name="Jana", location="Köln")
    candidate_profile_set(person=person, career_level="senior")
    assert _location(person) == "Köln"


def test_sync_candidate_locations_fills_profiles_made_before(workspace, make_person):
    known = make_candidate(make_person, workspace, first_name="Ana")
    known.location = "Köln"
    known.save(update_fields=["location"])
    unknown = make_candidate(make_person, workspace, first_name="Ben")
    out = io.StringIO()
    call_command("sync_candidate_locations", stdout=out)
    assert (_location(known), _location(unknown)) == ("Köln", "")
    assert out.getvalue().strip() == "1"
    out = io.StringIO()
    call_command("sync_candidate_locations", stdout=out)
    assert out.getvalue().strip() == "0"


@pytest.fixture
def onsite(workspace, alice):
    return opening_create(
        workspace=workspace, created_by=alice, title="Buchhaltung", location="Köln"
    )


def _reasons(opening, person) -> list[str]:
    return next(m.reasons for m in rematch(opening=opening) if m.person == person)


def test_rematching_names_the_place_or_says_it_is_unknown(
    recruiting, onsite, workspace, make_person
):
    near, far, nowhere = (
        make_candidate(make_person, workspace, first_name=n, location=loc)
        for n, loc in (("Ana", "köln"), ("Ben", "Berlin"), ("Cem", ""))
    )
    with translation.override("en"):
        assert "in köln" in _reasons(onsite, near)
        assert "elsewhere (Berlin)" in _reasons(onsite, far)
        assert "location unknown" in _reasons(onsite, nowhere)
        assert not any("—" in r for r in _reasons(onsite, nowhere))
    with translation.override("de"):
        assert "Ort unbekannt" in _reasons(onsite, nowhere)


def test_a_new_candidate_added_on_the_page_brings_a_location(alice_client, opening):
    response = alice_client.post(
        f"/recruiting/openings/{opening.pk}/candidates/new/",
        {"kind": "new", "first_name": "Jana", "location": "  Köln ", "email": "j@example.com"},
    )
    assert response.status_code == 302
    profile = CandidateProfile.objects.select_related("person").get()
    assert (profile.person.location, profile.location) == ("Köln", "Köln")
