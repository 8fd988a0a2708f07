"""Conversations, insights and activations over the API: the same services, 404 elsewhere."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import time_machine

from kontaktpflege.applications.models import Activation, Conversation, Insight
from kontaktpflege.contacts.models import Person
from kontaktpflege.followups.models import FollowUp

NOW = dt.datetime(2025, 6, 2, 18, tzinfo=ZoneInfo("Europe/Berlin"))


@time_machine.travel(NOW, tick=False)
def test_a_conversation_is_planned_prepared_held_and_debriefed(
    api, workspace, make_person, acme, committed
):
    julia = make_person(first_name="Julia", last_name="Weber")
    c = api.post("/conversations", {"person_id": julia.pk, "goal": "Produktmanagement"}).json()
    url = f"/conversations/{c['id']}"
    response = api.put(
        f"{url}/preparation",
        {"goal": "Produktmanagement", "target_company_ids": [acme.pk], "checklist": ["eye_level"]},
    )
    assert response.status_code == 200 and response.json()["target_company_ids"] == [acme.pk]
    with committed():
        held = api.post(f"{url}/hold", {"held_at": "2025-06-02T16:00:00+02:00"})
    assert held.status_code == 200 and held.json()["status"] == "held"
    with committed():
        response = api.post(
            f"{url}/debrief",
            {
                "learned": "Viel",
                "new_contacts": [{"name": "Anna Schmidt", "email": "anna@example.org"}],
                "insights": [{"organisation_id": acme.pk, "text": "Team wächst"}],
            },
        )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "debriefed"
    assert len(response.json()["new_contact_ids"]) == 1
    assert api.get(f"/organisations/{acme.pk}/insights").json()[0]["text"] == "Team wächst"
    assert FollowUp.objects.get(rule="conversation_thanks").due_on == dt.date(2025, 6, 3)
    assert api.get("/conversations", status="debriefed").json()[0]["id"] == c["id"]


@time_machine.travel(NOW, tick=False)
def test_bad_input_is_a_field_error_and_changes_nothing(api, workspace, make_person, acme, charlie):
    from kontaktpflege.contacts.services import organisation_create

    theirs = organisation_create(workspace=charlie.active_workspace, name="Fremd", is_target=True)
    julia = make_person(first_name="Julia", last_name="Weber")
    c = api.post("/conversations", {"person_id": julia.pk, "goal": "Ziel"}).json()
    url = f"/conversations/{c['id']}"
    early = api.post(f"{url}/debrief", {"learned": "zu früh"})
    assert early.status_code == 422 and "status" in early.json()["errors"]
    response = api.put(
        f"{url}/preparation", {"goal": "Ziel", "target_company_ids": [acme.pk, theirs.pk]}
    )
    assert response.status_code == 422 and "target_companies" in response.json()["errors"]
    api.post(f"{url}/hold", {})
    before = Person.objects.count()
    response = api.post(
        f"{url}/debrief",
        {"learned": "x", "new_contacts": [{"name": "Anna", "email": "nope"}]},
    )
    assert response.status_code == 422 and "new_contacts.1.email" in response.json()["errors"]
    assert Person.objects.count() == before and not Insight.objects.exists()
    assert Conversation.objects.get().status == "held"
    assert api.post("/conversations", {"person_id": julia.pk, "goal": ""}).status_code == 422


def test_charlie_gets_404_for_every_conversation_and_activation_endpoint(
    charlie_api, workspace, make_person, acme
):
    from kontaktpflege.applications import activation as act
    from kontaktpflege.applications import conversations as conv

    julia = make_person(first_name="Julia")
    c = conv.conversation_plan(workspace=workspace, person=julia, goal="Ziel")
    a = act.activation_start(workspace=workspace, person=julia, goal="reminisce")
    url = f"/conversations/{c.pk}"
    calls = [
        charlie_api.get(url),
        charlie_api.put(f"{url}/preparation", {"goal": "x"}),
        charlie_api.post(f"{url}/hold", {}),
        charlie_api.post(f"{url}/debrief", {"learned": "x"}),
        charlie_api.post(f"{url}/thanked"),
        charlie_api.delete(url),
        charlie_api.get(f"/organisations/{acme.pk}/insights"),
        charlie_api.post("/conversations", {"person_id": julia.pk, "goal": "x"}),
        charlie_api.get(f"/activations/{a.pk}"),
        charlie_api.patch(f"/activations/{a.pk}", {"goal": "help_from"}),
        charlie_api.post(f"/activations/{a.pk}/meeting", {"meeting_on": "2030-01-01"}),
        charlie_api.post(f"/activations/{a.pk}/done", {"summary": "x"}),
        charlie_api.post("/activations", {"person_id": julia.pk, "goal": "reminisce"}),
    ]
    assert [r.status_code for r in calls] == [404] * len(calls)
    assert charlie_api.get("/conversations").json() == []
    assert Conversation.objects.get().status == "planned"
    assert Activation.objects.count() == 1


@time_machine.travel(NOW, tick=False)
def test_an_activation_brings_a_dormant_contact_back_into_a_circle(
    api, workspace, make_person, committed
):
    dora = make_person(first_name="Dora", circle="dormant", language="en")
    assert api.get("/activation/candidates").json()[0]["missing_contact_data"] is True
    a = api.post("/activations", {"person_id": dora.pk, "goal": "help_through"}).json()
    assert a["starters"][0] == "How is your family?"
    bad = api.post("/activations", {"person_id": dora.pk, "goal": "job"})
    assert bad.status_code == 422 and "goal" in bad.json()["errors"]
    with committed():
        response = api.post(
            f"/activations/{a['id']}/done", {"summary": "Coffee", "circle": "active"}
        )
    assert response.status_code == 200 and response.json()["completed_at"]
    dora.refresh_from_db()
    assert dora.circle == "active"


@time_machine.travel(NOW, tick=False)
def test_a_touchpoint_logged_over_the_api_completes_the_activation_into_its_circle(
    api, workspace, make_person, committed
):
    dora = make_person(first_name="Dora", circle="dormant")
    a = api.post(
        "/activations", {"person_id": dora.pk, "goal": "reminisce", "circle": "core"}
    ).json()
    assert a["circle"] == "core" and a["completed_at"] is None
    bad = api.patch(f"/activations/{a['id']}", {"goal": "reminisce", "circle": "dormant"})
    assert bad.status_code == 422 and "circle" in bad.json()["errors"]
    with committed():
        logged = api.post("/touchpoints", {"participant_ids": [dora.pk], "summary": "Coffee"})
    assert logged.status_code == 201
    after = api.get(f"/activations/{a['id']}").json()
    assert after["completed_at"] and after["circle"] == "core"
    dora.refresh_from_db()
    assert dora.circle == "core"
    again = api.post(f"/activations/{a['id']}/done", {"summary": "Coffee again"})
    assert again.status_code == 422 and "circle" in again.json()["errors"]


def test_the_openapi_document_lists_the_conversation_endpoints(api):
    paths = api.get("/openapi.json").json()["paths"]
    for path in (
        "/api/v1/conversations",
        "/api/v1/conversations/{conversation_id}/debrief",
        "/api/v1/activations/{activation_id}/done",
        "/api/v1/activation/candidates",
    ):
        assert path in paths
