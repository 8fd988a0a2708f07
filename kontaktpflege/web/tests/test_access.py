"""Workspace isolation and roles on every page of the foundation."""

import pytest

from kontaktpflege.accounts.services import api_token_create, membership_add
from kontaktpflege.contacts.models import Employment, Organisation, Person, Relationship
from kontaktpflege.contacts.services import organisation_create, relationship_set
from kontaktpflege.touchpoints.models import Touchpoint
from kontaktpflege.touchpoints.services import touchpoint_log

pytestmark = pytest.mark.django_db


@pytest.fixture
def alices_things(alice, workspace, make_person):
    org = organisation_create(workspace=workspace, name="Acme GmbH", is_target=True)
    person = make_person(
        first_name="Zebulon", organisation=org, job_title="CTO", emails=["t@example.com"]
    )
    other = make_person(first_name="Julia", last_name="Weber")
    edge = relationship_set(a=person, b=other, strength=4, context="colleague")
    touchpoint = touchpoint_log(workspace=workspace, participants=[person], summary="Kaffee")
    token, _raw = api_token_create(user=alice, workspace=workspace, name="t")
    return {
        "person": person,
        "other": other,
        "org": org,
        "edge": edge,
        "tp": touchpoint,
        "employment": Employment.objects.get(person=person),
        "token": token,
    }


def _urls(t):
    p, o = t["person"].pk, t["org"].pk
    return [
        ("get", f"/people/{p}/"),
        ("get", f"/people/{p}/edit/"),
        ("post", f"/people/{p}/edit/"),
        ("get", f"/people/{p}/delete/"),
        ("post", f"/people/{p}/delete/"),
        ("post", f"/people/{p}/relationships/"),
        ("post", f"/people/{p}/relationships/{t['edge'].pk}/delete/"),
        ("post", f"/people/{p}/employment/"),
        ("post", f"/people/{p}/employment/{t['employment'].pk}/delete/"),
        ("get", f"/people/{p}/log/"),
        ("post", f"/people/{p}/log/"),
        ("get", f"/organisations/{o}/"),
        ("get", f"/organisations/{o}/edit/"),
        ("post", f"/organisations/{o}/edit/"),
        ("get", f"/organisations/{o}/delete/"),
        ("post", f"/organisations/{o}/delete/"),
        ("post", f"/log/{t['tp'].pk}/delete/"),
        ("get", f"/log/{t['tp'].pk}/delete/"),
        ("get", f"/log/{t['tp'].pk}/edit/"),
        ("post", f"/log/{t['tp'].pk}/edit/"),
        ("post", f"/settings/tokens/{t['token'].pk}/revoke/"),
    ]


def _snapshot():
    return (
        list(Person.objects.order_by("pk").values()),
        list(Organisation.objects.order_by("pk").values()),
        Relationship.objects.count(),
        Touchpoint.objects.count(),
        Employment.objects.count(),
    )


def test_charlie_gets_404_on_every_page_of_alices_workspace(charlie_client, alices_things):
    before = _snapshot()
    for method, url in _urls(alices_things):
        response = getattr(charlie_client, method)(url, {"first_name": "Hacked", "name": "X"})
        assert response.status_code == 404, (method, url, response.status_code)
    assert _snapshot() == before


def test_charlie_cannot_smuggle_alices_person_into_a_quick_log(charlie_client, alices_things):
    before = _snapshot()
    response = charlie_client.post(
        "/log/quick/", {"text": "Kaffee mit Thomas", "person": alices_things["person"].pk}
    )
    assert response.status_code == 404
    assert _snapshot() == before


def test_charlie_does_not_see_alices_people_in_lists_or_search(charlie_client, alices_things):
    for url in ["/people/", "/people/?q=Müller", "/organisations/", "/log/"]:
        response = charlie_client.get(url)
        assert response.status_code == 200
        assert "Zebulon" not in response.content.decode()
        assert "Acme" not in response.content.decode()


def test_bob_as_member_sees_and_edits_alices_people(bob_client, alices_things):
    person = alices_things["person"]
    assert bob_client.get(f"/people/{person.pk}/").status_code == 200
    response = bob_client.post("/log/quick/", {"text": "Anruf mit Zebulon Müller", "next": "/"})
    assert response.status_code == 302
    assert Touchpoint.objects.filter(participants=person, channel="call").exists()


def test_a_viewer_may_read_but_not_write(alices_things, django_user_model, client, workspace):
    viewer = django_user_model.objects.create_user("vera", "vera@example.org", "pw-vera-123")
    membership_add(workspace=workspace, user=viewer, role="viewer")
    client.force_login(viewer)
    person = alices_things["person"]
    assert client.get(f"/people/{person.pk}/").status_code == 200
    before = _snapshot()
    assert client.post(f"/people/{person.pk}/edit/", {"first_name": "X"}).status_code == 403
    assert client.post("/log/quick/", {"text": "Kaffee mit Thomas"}).status_code == 403
    assert _snapshot() == before


@pytest.mark.parametrize("url", ["/", "/people/", "/organisations/", "/log/", "/settings/"])
def test_anonymous_visitors_are_sent_to_the_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
