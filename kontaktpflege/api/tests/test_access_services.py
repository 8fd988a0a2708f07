"""Access to the agenda, settings, templates, messages and imports: charlie gets 404 for every
id of alice's, a viewer 403 on every write, and nothing changes either way."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kontaktpflege.api.tests.conftest import ApiClient
from kontaktpflege.api.tests.test_access import _call, _label
from kontaktpflege.dataio.models import ImportJob
from kontaktpflege.followups.models import FollowUp, RecomputeRun
from kontaktpflege.messaging.models import MessageTemplate, OutboundMessage
from kontaktpflege.touchpoints.models import Touchpoint


@pytest.fixture
def alice_ids(workspace, alice, make_person, committed) -> dict[str, int | str]:
    from kontaktpflege.dataio.services import import_job_create
    from kontaktpflege.followups.services import recompute_run_start
    from kontaktpflege.messaging.services import message_queue_email

    with committed():
        person = make_person(first_name="Thomas", circle="core", emails=["t@example.org"])
    MessageTemplate.objects.create(
        workspace=workspace, key="alices-own", variant="de_sie", name="A", subject="s", body="b"
    )
    message = message_queue_email(
        workspace=workspace,
        person=person,
        user=alice,
        to_address="t@example.org",
        subject="Hallo",
        body="Text",
        idempotency_key="alice-1",
    )
    job = import_job_create(workspace=workspace, user=alice, data=b"a,b\n", filename="x.csv")
    return {
        "p": person.pk,
        "f": FollowUp.objects.filter(person=person).first().pk,  # type: ignore[union-attr]
        "m": message.pk,
        "job": job.pk,
        "run": recompute_run_start(workspace=workspace).pk,
    }


def _snapshot(workspace) -> list:
    return [
        list(FollowUp.objects.order_by("id").values()),
        list(OutboundMessage.objects.order_by("id").values()),
        list(ImportJob.objects.order_by("id").values()),
        list(RecomputeRun.objects.order_by("id").values()),
        list(MessageTemplate.objects.order_by("id").values()),
        list(Touchpoint.objects.order_by("id").values()),
    ]


ID_ROUTES = [
    ("get", "/followups/{f}", None),
    ("post", "/followups/{f}/done", {}),
    ("post", "/followups/{f}/snooze", {"until": "2099-01-01"}),
    ("post", "/followups/{f}/skip", {"reason": "x"}),
    ("get", "/settings/followups/recomputes/{run}", None),
    ("get", "/templates/alices-own", None),
    ("post", "/templates/alices-own/preview", {}),
    ("post", "/templates/check_in/preview", {"person_id": "{p}"}),
    ("post", "/messages/preview", {"person_id": "{p}"}),
    ("post", "/messages", {"person_id": "{p}", "notes": "x", "idempotency_key": "c-1"}),
    ("get", "/messages/{m}", None),
    ("get", "/messages?person={p}", None),
    ("get", "/imports/{job}", None),
    ("put", "/imports/{job}/mapping", {"columns": {"0": "full_name"}}),
    ("post", "/imports/{job}/confirm", None),
    ("post", "/imports/{job}/cancel", None),
]


@pytest.mark.parametrize("route", ID_ROUTES, ids=_label)
def test_charlie_gets_404_for_alices_ids_and_nothing_changes(
    route, alice_ids, charlie_api, workspace
):
    before = _snapshot(workspace)
    response = _call(charlie_api, *route, alice_ids)
    assert response.status_code == 404, response.content
    assert _snapshot(workspace) == before


def test_charlie_sees_none_of_alices_work_in_lists(alice_ids, charlie_api):
    assert charlie_api.get("/messages").json()["count"] == 0
    assert charlie_api.get("/imports").json() == []
    groups = charlie_api.get("/agenda").json()["groups"]
    assert not any(g["items"] for g in groups)
    assert "alices-own" not in {t["key"] for t in charlie_api.get("/templates").json()}
    assert charlie_api.get("/settings/followups").json()["recompute"] is None


def test_a_followup_of_alices_in_charlies_message_is_not_found(alice_ids, charlie, charlie_api):
    from kontaktpflege.contacts.services import person_create

    mine = person_create(workspace=charlie.active_workspace, last_name="Mine")
    body = {"person_id": mine.pk, "followup_id": alice_ids["f"], "notes": "x"}
    assert charlie_api.post("/messages/preview", body).status_code == 404
    response = charlie_api.post("/messages", {**body, "idempotency_key": "c-2"})
    assert response.status_code == 404
    assert not OutboundMessage.objects.filter(workspace=charlie.active_workspace).exists()


WRITE_ROUTES = [r for r in ID_ROUTES if r[0] != "get" and "/templates/" not in r[1]] + [
    ("patch", "/settings/followups", {"circle_days": {"core": 10}}),
]


@pytest.mark.parametrize("route", WRITE_ROUTES, ids=_label)
def test_a_viewer_gets_403_on_writes_and_nothing_changes(route, alice_ids, viewer_api, workspace):
    before = _snapshot(workspace)
    response = _call(viewer_api, *route, alice_ids)
    assert response.status_code == 403, response.content
    assert _snapshot(workspace) == before


def test_a_viewer_cannot_upload(viewer_api, workspace):
    response = viewer_api.upload("/imports", file=SimpleUploadedFile("x.csv", b"a,b\n1,2\n"))
    assert response.status_code == 403
    assert ImportJob.objects.count() == 0


def test_a_viewer_reads_the_agenda_templates_outbox_and_imports(alice_ids, viewer_api):
    for path in ("/agenda", "/templates", "/messages", "/imports", "/settings/followups"):
        assert viewer_api.get(path).status_code == 200, path
    assert viewer_api.get(f"/followups/{alice_ids['f']}").status_code == 200
    assert viewer_api.get(f"/messages/{alice_ids['m']}").status_code == 200


@pytest.mark.parametrize(
    "path", ["/agenda", "/settings/followups", "/templates", "/messages", "/imports", "/backup"]
)
def test_without_a_token_the_new_routes_answer_401(path, alice_ids):
    assert ApiClient(None).get(path).status_code == 401
