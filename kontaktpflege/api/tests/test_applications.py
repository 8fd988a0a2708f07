"""The applications API: CRUD, moves, contacts and interviews through the same services;
bad input is a 422 on its field with nothing changed; another workspace's rows are 404."""

from __future__ import annotations

import pytest
import time_machine

from kontaktpflege.applications.models import Application, ApplicationContact, Interview
from kontaktpflege.contacts.services import organisation_create, person_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme(workspace):
    return organisation_create(workspace=workspace, name="Acme GmbH")


@pytest.fixture
def eva(workspace, acme):
    return person_create(workspace=workspace, first_name="Eva", last_name="Berg", organisation=acme)


def snapshot():
    return (
        list(Application.objects.order_by("pk").values()),
        list(ApplicationContact.objects.order_by("pk").values()),
        list(Interview.objects.order_by("pk").values()),
    )


def create(api, acme, **extra):
    body = {"organisation_id": acme.pk, "position": "Product Designer", "stage": "applied"}
    body.update(applied_on="2025-03-01", **extra)
    response = api.post("/applications", body)
    assert response.status_code == 201, response.json()
    return response.json()


@time_machine.travel("2025-03-05 09:00 +01:00", tick=False)
def test_an_application_is_created_staffed_interviewed_moved_and_rejected(
    api, acme, eva, committed
):
    app = create(api, acme)
    with committed():
        response = api.put(
            f"/applications/{app['id']}/contacts", {"person_id": eva.pk, "role": "recruiter"}
        )
    assert response.json()["contacts"] == [
        {"person_id": eva.pk, "name": "Eva Berg", "role": "recruiter"}
    ]
    assert api.get(f"/applications/{app['id']}").json()["next_followup"]["rule"] == (
        "status_inquiry"
    )
    response = api.post(
        f"/applications/{app['id']}/interviews",
        {"at": "2025-03-10T10:00:00+01:00", "kind": "video", "participant_ids": [eva.pk]},
    )
    assert response.status_code == 201
    interview = response.json()
    assert api.get(f"/applications/{app['id']}").json()["stage"] == "interview"
    assert api.patch(f"/interviews/{interview['id']}", {"notes": "gut"}).json()["notes"] == "gut"
    response = api.post(
        f"/applications/{app['id']}/move", {"stage": "rejected", "rejected_on": "2025-04-03"}
    )
    assert (response.json()["stage"], response.json()["rejected_on"]) == ("rejected", "2025-04-03")
    assert api.get("/applications", stage="rejected").json()["count"] == 1
    assert api.delete(f"/interviews/{interview['id']}").status_code == 204
    assert api.delete(f"/applications/{app['id']}").status_code == 204
    assert not Application.objects.exists()


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("move", {"stage": "rejected"}, "rejected_on"),
        ("move", {"stage": "hired"}, "stage"),
        ("interviews", {"at": "2025-02-01T10:00:00+01:00", "kind": "phone"}, "at"),
        ("interviews", {"at": "2025-03-10T10:00:00+01:00", "kind": "dinner"}, "kind"),
    ],
)
def test_bad_input_is_refused_on_its_field_and_changes_nothing(api, acme, path, body, field):
    app = create(api, acme)
    before = snapshot()
    response = api.post(f"/applications/{app['id']}/{path}", body)
    assert response.status_code == 422
    assert field in response.json()["errors"], response.json()
    assert snapshot() == before


def test_another_workspaces_person_or_organisation_is_refused(api, acme, charlie, committed):
    app = create(api, acme)
    ws = charlie.active_workspace
    stranger = person_create(workspace=ws, first_name="Carl", last_name="C")
    corp = organisation_create(workspace=ws, name="Charlie Corp")
    before = snapshot()
    response = api.put(
        f"/applications/{app['id']}/contacts", {"person_id": stranger.pk, "role": "recruiter"}
    )
    assert response.status_code == 422 and "person_id" in response.json()["errors"]
    response = api.patch(f"/applications/{app['id']}", {"organisation_id": corp.pk})
    assert response.status_code == 422 and "organisation_id" in response.json()["errors"]
    assert snapshot() == before


def test_charlie_gets_404_on_every_application_endpoint(api, charlie_api, acme, eva):
    app = create(api, acme)
    iv = api.post(
        f"/applications/{app['id']}/interviews",
        {"at": "2025-03-10T10:00:00+01:00", "kind": "video"},
    ).json()
    before = snapshot()
    a, i = app["id"], iv["id"]
    calls = [
        ("get", f"/applications/{a}", None),
        ("patch", f"/applications/{a}", {"position": "X"}),
        ("post", f"/applications/{a}/move", {"stage": "offer"}),
        ("delete", f"/applications/{a}", None),
        ("put", f"/applications/{a}/contacts", {"person_id": eva.pk, "role": "other"}),
        ("delete", f"/applications/{a}/contacts/{eva.pk}", None),
        ("get", f"/applications/{a}/interviews", None),
        ("post", f"/applications/{a}/interviews", {"at": "2025-03-11T10:00:00Z", "kind": "phone"}),
        ("get", f"/interviews/{i}", None),
        ("patch", f"/interviews/{i}", {"notes": "x"}),
        ("delete", f"/interviews/{i}", None),
    ]
    for method, path, body in calls:
        response = (
            getattr(charlie_api, method)(path, body) if body else getattr(charlie_api, method)(path)
        )
        assert response.status_code == 404, (method, path, response.status_code)
    assert charlie_api.get("/applications").json()["count"] == 0
    assert snapshot() == before


def test_the_openapi_schema_lists_the_application_endpoints(api):
    paths = api.get("/openapi.json").json()["paths"]
    assert {"/api/v1/applications", "/api/v1/applications/{application_id}/move"} <= set(paths)


def test_a_search_with_control_characters_finds_by_the_rest_and_never_fails(api, acme):
    create(api, acme)
    response = api.get("/applications", q="Desi\x00gner\x07")
    assert response.status_code == 200
    assert [a["position"] for a in response.json()["items"]] == ["Product Designer"]
