"""Templates and messages over the API: the library, a sandboxed preview, compose with notes,
queue an email once per idempotency key, and the outbox's state."""

from __future__ import annotations

import pytest

from kontaktpflege.messaging.models import MessageState, MessageTemplate, OutboundMessage
from kontaktpflege.touchpoints.models import Touchpoint


@pytest.fixture
def julia(make_person):
    return make_person(
        first_name="Julia",
        last_name="Weber",
        gender="f",
        emails=["julia@example.org"],
        language="de",
        form_of_address="sie",
    )


def _outbox() -> list:
    return list(OutboundMessage.objects.order_by("id").values())


def test_the_library_lists_shipped_templates(api):
    body = api.get("/templates").json()
    from kontaktpflege.messaging.library import shipped_templates

    assert [t["key"] for t in body] == list(shipped_templates())
    assert all(t["is_shipped"] and not t["is_custom"] for t in body)


def test_a_template_shows_its_three_variants_and_the_variables(api):
    key = api.get("/templates").json()[0]["key"]
    body = api.get(f"/templates/{key}").json()
    assert [v["variant"] for v in body["variants"]] == ["de_sie", "de_du", "en"]
    assert any(v["name"] == "notes" for v in body["variables"])


def test_an_unknown_template_is_not_found(api):
    assert api.get("/templates/no-such-thing").status_code == 404
    assert api.post("/templates/no-such-thing/preview", {}).status_code == 404


def test_the_preview_renders_for_a_person_with_notes(api, julia):
    key = api.get("/templates").json()[0]["key"]
    response = api.post(f"/templates/{key}/preview", {"person_id": julia.pk, "notes": "Danke!"})
    assert response.status_code == 200, response.content
    draft = response.json()
    assert draft["ok"] and draft["variant"] == "de_sie"
    assert "Frau Weber" in draft["body"] and "Danke!" in draft["body"]


def test_the_preview_without_a_person_uses_the_sample_person(api):
    key = api.get("/templates").json()[0]["key"]
    draft = api.post(f"/templates/{key}/preview", {"variant": "en", "notes": "My notes"}).json()
    assert draft["ok"] and draft["variant"] == "en"
    assert "Weber" in draft["body"] and "My notes" in draft["body"]


def test_a_hostile_template_is_stopped_by_the_sandbox(api, workspace, julia):
    MessageTemplate.objects.create(
        workspace=workspace,
        key="evil",
        variant="de_sie",
        name="Evil",
        subject="x",
        body="{{ 'x' * 10**9 }}",
    )
    response = api.post("/templates/evil/preview", {"person_id": julia.pk, "variant": "de_sie"})
    assert response.status_code == 200, response.content
    assert response.json()["ok"] is False and response.json()["error"]
    assert response.json()["body"] == ""


def test_compose_previews_with_the_persons_defaults(api, julia):
    key = api.get("/templates").json()[0]["key"]
    response = api.post("/messages/preview", {"person_id": julia.pk, "template": key, "notes": "N"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["channel"] == "email" and body["to_address"] == "julia@example.org"
    assert body["draft"]["ok"] and "N" in body["draft"]["body"]
    assert len(body["idempotency_key"]) >= 16
    assert _outbox() == []


def test_an_email_is_queued_once_per_idempotency_key(api, julia):
    key = api.get("/templates").json()[0]["key"]
    payload = {
        "person_id": julia.pk,
        "template": key,
        "notes": "Schön, Sie beim Barcamp getroffen zu haben.",
        "idempotency_key": "k-1",
    }
    first = api.post("/messages", payload)
    assert first.status_code == 201, first.content
    message = first.json()
    assert message["state"] == "queued" and message["to_address"] == "julia@example.org"
    assert "Barcamp" in message["body"] and message["template_key"] == key
    second = api.post("/messages", payload)
    assert second.json()["id"] == message["id"]
    assert OutboundMessage.objects.count() == 1
    assert api.get(f"/messages/{message['id']}").json()["state"] == "queued"
    page = api.get("/messages", state="queued").json()
    assert page["count"] == 1 and page["items"][0]["id"] == message["id"]
    assert api.get("/messages", state="sent").json()["count"] == 0


def test_a_message_sent_elsewhere_is_recorded_and_logged(api, julia):
    response = api.post(
        "/messages",
        {
            "person_id": julia.pk,
            "channel": "linkedin",
            "body": "Hallo Julia, danke für das Gespräch!",
            "idempotency_key": "k-2",
        },
    )
    assert response.status_code == 201, response.content
    assert response.json()["state"] == "sent"
    assert response.json()["body"] == "Hallo Julia, danke für das Gespräch!"
    touchpoint = Touchpoint.objects.get()
    assert response.json()["touchpoint_id"] == touchpoint.pk


def test_a_message_answers_the_persons_follow_up(api, julia, committed, make_person):
    from kontaktpflege.followups.models import FollowUp

    with committed():
        other = make_person(first_name="Other")
    followup = FollowUp.objects.filter(person=other).first()
    assert followup is not None
    payload = {"person_id": julia.pk, "followup_id": followup.pk, "idempotency_key": "k-3"}
    payload["notes"] = "Hallo"
    assert api.post("/messages", payload).status_code == 404  # someone else's follow-up
    assert _outbox() == []


BAD_MESSAGES = [
    ({"to_address": "not-an-address", "subject": "Hallo"}, "to_address"),
    ({"to_address": "a@example.org\r\nBcc: x@example.org", "subject": "Hallo"}, "to_address"),
    ({"subject": ""}, "subject"),  # an email needs one
    ({"channel": "pigeon"}, "channel"),
    ({"variant": "fr"}, "variant"),
    ({"idempotency_key": ""}, "idempotency_key"),
    ({"idempotency_key": "x" * 65}, "idempotency_key"),
    ({"body": "Hallo", "notes": "Vergessene Notiz"}, "notes"),
    ({"body": "Hallo", "subject": "a\nb"}, "subject"),
    ({"body": "x" * 50_001}, "body"),
    ({"template": "../etc"}, "template"),
]


@pytest.mark.parametrize(("change", "field"), BAD_MESSAGES, ids=[b[1] for b in BAD_MESSAGES])
def test_bad_messages_are_refused_and_nothing_is_queued(api, julia, change, field):
    payload = {"person_id": julia.pk, "notes": "Hallo", "idempotency_key": "bad-1", **change}
    response = api.post("/messages", payload)
    assert response.status_code == 422, response.content
    assert field in response.json()["errors"], response.json()
    assert _outbox() == [] and Touchpoint.objects.count() == 0


def test_a_template_that_does_not_render_is_not_sent(api, workspace, julia):
    MessageTemplate.objects.create(
        workspace=workspace, key="broken", variant="de_sie", name="B", subject="s", body="{{ x }"
    )
    payload = {"person_id": julia.pk, "template": "broken", "idempotency_key": "b-2"}
    response = api.post("/messages", {**payload, "variant": "de_sie"})
    assert response.status_code == 422, response.content
    assert "body" in response.json()["errors"]
    assert _outbox() == []


def test_the_outbox_filters_by_person(api, julia, make_person):
    other = make_person(first_name="Ben", emails=["ben@example.org"])
    for person, key in ((julia, "a"), (other, "b")):
        payload = {"person_id": person.pk, "notes": "Hi", "subject": "Hi", "idempotency_key": key}
        assert api.post("/messages", payload).status_code == 201
    page = api.get("/messages", person=julia.pk).json()
    assert [m["person"]["id"] for m in page["items"]] == [julia.pk]
    assert OutboundMessage.objects.filter(state=MessageState.QUEUED).count() == 2
