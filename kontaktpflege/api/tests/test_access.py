"""Access: charlie gets 404 for alice's ids everywhere, no token 401, viewers 403 on writes."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from kontaktpflege.api.tests.conftest import ApiClient
from kontaktpflege.contacts.models import (
    Employment,
    Organisation,
    Person,
    Relationship,
    Tag,
)
from kontaktpflege.touchpoints.models import Touchpoint


@dataclass
class AliceData:
    person: Person
    other: Person
    organisation: Organisation
    tag: Tag
    touchpoint: Touchpoint
    relationship: Relationship
    employment: Employment

    def ids(self) -> dict[str, int]:
        return {
            "p": self.person.pk,
            "o": self.other.pk,
            "org": self.organisation.pk,
            "tag": self.tag.pk,
            "tp": self.touchpoint.pk,
            "rel": self.relationship.pk,
            "emp": self.employment.pk,
        }


@pytest.fixture
def alice_data(workspace, acme, make_person) -> AliceData:
    from kontaktpflege.contacts.services import relationship_set
    from kontaktpflege.touchpoints.services import touchpoint_log

    person = make_person(first_name="Thomas", tags=["Design"], organisation=acme)
    other = make_person(first_name="Anna")
    return AliceData(
        person=person,
        other=other,
        organisation=acme,
        tag=Tag.objects.get(workspace=workspace, name="Design"),
        touchpoint=touchpoint_log(workspace=workspace, participants=[person], summary="Call"),
        relationship=relationship_set(a=person, b=other),
        employment=person.employments.get(),
    )


# (method, path, body) with {p}, {o}, {org}, {tag}, {tp}, {rel}, {emp} for alice's ids.
ROUTES = [
    ("get", "/people/{p}", None),
    ("patch", "/people/{p}", {"first_name": "Hacked"}),
    ("delete", "/people/{p}", None),
    ("get", "/people/{p}/employment", None),
    ("post", "/people/{p}/employment", {"organisation_id": "{org}", "title": "x"}),
    ("delete", "/people/{p}/employment/{emp}", None),
    ("get", "/people/{p}/relationships", None),
    ("post", "/people/{p}/relationships", {"other_id": "{o}", "strength": 1}),
    ("delete", "/people/{p}/relationships/{rel}", None),
    ("get", "/organisations/{org}", None),
    ("patch", "/organisations/{org}", {"name": "Hacked"}),
    ("delete", "/organisations/{org}", None),
    ("get", "/touchpoints/{tp}", None),
    ("patch", "/touchpoints/{tp}", {"summary": "Hacked"}),
    ("delete", "/touchpoints/{tp}", None),
    ("get", "/touchpoints?person={p}", None),
    ("patch", "/tags/{tag}", {"name": "Hacked"}),
    ("delete", "/tags/{tag}", None),
]
# Routes in charlie's own space whose body names alice's rows.
BODY_ROUTES = [
    ("post", "/people", {"last_name": "X", "organisation_id": "{org}"}),
    ("post", "/people", {"last_name": "X", "introduced_by_id": "{p}"}),
    ("patch", "/people/{mine}", {"organisation_id": "{org}"}),
    ("patch", "/people/{mine}", {"introduced_by_id": "{p}"}),
    ("post", "/people/{mine}/relationships", {"other_id": "{p}"}),
    ("post", "/people/{mine}/employment", {"organisation_id": "{org}"}),
    ("post", "/touchpoints", {"participant_ids": ["{p}"], "summary": "x"}),
    ("post", "/touchpoints", {"participant_ids": ["{mine}", "{p}"], "summary": "x"}),
    ("patch", "/touchpoints/{my_tp}", {"participant_ids": ["{p}"]}),
]
LIST_ROUTES = ["/people", "/organisations", "/touchpoints", "/tags"]


def _fill(value, ids):
    if isinstance(value, str):
        if value.startswith("{") and value.endswith("}") and value.count("{") == 1:
            return ids[value[1:-1]]
        return value.format(**ids)
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    return value


def _call(client: ApiClient, method: str, path: str, body, ids):
    path = _fill(path, ids)
    if method == "get":
        base, _, query = path.partition("?")
        params = dict(p.split("=") for p in query.split("&")) if query else {}
        return client.get(base, **params)
    if method == "delete":
        return client.delete(path)
    return getattr(client, method)(path, _fill(body, ids))


def _snapshot(workspace) -> list:
    """Everything the API could change in a workspace."""
    return [
        list(Person.objects.filter(workspace=workspace).order_by("id").values()),
        list(Organisation.objects.filter(workspace=workspace).order_by("id").values()),
        list(Tag.objects.filter(workspace=workspace).order_by("id").values()),
        list(Touchpoint.objects.filter(workspace=workspace).order_by("id").values()),
        list(Relationship.objects.filter(workspace=workspace).order_by("id").values()),
        list(Employment.objects.filter(workspace=workspace).order_by("id").values()),
        list(Person.tags.through.objects.order_by("id").values()),
        list(Touchpoint.participants.through.objects.order_by("id").values()),
    ]


def _label(route) -> str:
    return f"{route[0]} {route[1]}"


@pytest.mark.parametrize("route", ROUTES, ids=_label)
def test_charlie_gets_404_for_alices_ids_and_nothing_changes(
    route, alice_data, charlie_api, workspace
):
    before = _snapshot(workspace)
    response = _call(charlie_api, *route, alice_data.ids())
    assert response.status_code == 404, response.content
    assert _snapshot(workspace) == before


@pytest.mark.parametrize("route", BODY_ROUTES, ids=_label)
def test_alices_ids_in_charlies_bodies_are_not_found_and_nothing_changes(
    route, alice_data, charlie, charlie_api, workspace
):
    from kontaktpflege.contacts.services import person_create
    from kontaktpflege.touchpoints.services import touchpoint_log

    mine = person_create(workspace=charlie.active_workspace, last_name="Mine")
    my_tp = touchpoint_log(workspace=charlie.active_workspace, participants=[mine], summary="Hi")
    ids = {**alice_data.ids(), "mine": mine.pk, "my_tp": my_tp.pk}
    before = (_snapshot(workspace), _snapshot(charlie.active_workspace))
    response = _call(charlie_api, *route, ids)
    assert response.status_code == 404, response.content
    assert (_snapshot(workspace), _snapshot(charlie.active_workspace)) == before


@pytest.mark.parametrize("path", LIST_ROUTES)
def test_charlies_lists_hold_nothing_of_alices(path, alice_data, charlie_api):
    body = charlie_api.get(path).json()
    items = body if isinstance(body, list) else body["items"]
    names = {i.get("first_name") or i.get("name") or i.get("summary") for i in items}
    assert not names & {"Thomas", "Anna", "Acme GmbH", "Design", "Call"}


ALL_ROUTES = [*ROUTES, *[("get", p, None) for p in LIST_ROUTES], *BODY_ROUTES]


@pytest.mark.parametrize("token", [None, "kp_wrong", "x" * 300], ids=["none", "bad", "long"])
@pytest.mark.parametrize("route", ALL_ROUTES, ids=_label)
def test_without_a_valid_token_every_route_answers_401(route, token, alice_data, workspace):
    before = _snapshot(workspace)
    ids = {**alice_data.ids(), "mine": alice_data.person.pk, "my_tp": alice_data.touchpoint.pk}
    response = _call(ApiClient(token), *route, ids)
    assert response.status_code == 401
    assert _snapshot(workspace) == before


WRITE_ROUTES = [r for r in ROUTES if r[0] != "get"] + [
    ("post", "/people", {"last_name": "X"}),
    ("post", "/organisations", {"name": "X"}),
    ("post", "/tags", {"name": "X"}),
    ("post", "/touchpoints", {"participant_ids": ["{p}"], "summary": "x"}),
]


@pytest.mark.parametrize("route", WRITE_ROUTES, ids=_label)
def test_a_viewer_gets_403_on_writes_and_nothing_changes(route, alice_data, viewer_api, workspace):
    before = _snapshot(workspace)
    response = _call(viewer_api, *route, alice_data.ids())
    assert response.status_code == 403, response.content
    assert _snapshot(workspace) == before


def test_a_viewer_may_read(alice_data, viewer_api):
    assert viewer_api.get(f"/people/{alice_data.person.pk}").status_code == 200
    assert viewer_api.get("/people").json()["count"] == 3


def test_a_revoked_token_stops_working(api, alice):
    from kontaktpflege.accounts.models import ApiToken
    from kontaktpflege.accounts.services import api_token_revoke

    assert api.get("/people").status_code == 200
    api_token_revoke(token=ApiToken.objects.get(user=alice))
    assert api.get("/people").status_code == 401
