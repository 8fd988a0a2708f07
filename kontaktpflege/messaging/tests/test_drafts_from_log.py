"""Drafts use what was logged (issue #10, point 20)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from kontaktpflege.messaging.models import SenderSettings
from kontaktpflege.touchpoints.services import quick_log, touchpoint_log

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 12, 3, 9, 0, tzinfo=dt.UTC)
MET = dt.datetime(2026, 12, 1, 18, 0, tzinfo=dt.UTC)


def _draft(client, person, template, variant="", notes=None):
    url = reverse("compose", args=[person.pk])
    query = {"template": template}
    if variant:
        query["variant"] = variant
    if notes is None:
        response = client.get(url, query)
        assert response.status_code == 200
        return response.context["form"].initial["body"]
    form = client.get(url, query).context["form"].initial
    data = {k: v for k, v in form.items() if v is not None}
    data.update(notes=notes, body="", subject="", action="preview")
    response = client.post(url, data)
    assert response.status_code == 200
    return response.context["form"].initial["body"]


@pytest.fixture
def thomas(make_person, workspace, alice):
    person = make_person(
        first_name="Thomas",
        last_name="Keller",
        form_of_address="du",
        language="de",
        gender="m",
        emails=["thomas@example.org"],
    )
    quick_log(
        workspace=workspace,
        text="Kaffee mit Thomas Keller – Design Thinking",
        created_by=alice,
        occurred_at=MET,
    )
    return person


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    ("variant", "topic", "date"),
    [
        ("de_du", "über „Design Thinking“", "am 1. Dezember geht"),
        ("de_sie", "über „Design Thinking“", "am 01.12.2026 geht"),
        ("en", 'about "Design Thinking"', "on 1 December 2026"),
    ],
)
def test_the_72_hour_draft_picks_up_the_topic_not_the_raw_summary(
    alice_client, thomas, variant, topic, date
):
    body = _draft(alice_client, thomas, "follow_up_72h", variant)
    assert topic in body and date in body
    assert "Kaffee mit Thomas Keller" not in body


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    ("variant", "step", "generic"),
    [
        ("de_du", "Wie besprochen: Workshop-Termin im Januar", "bei einem Kaffee"),
        ("en", "next step: Workshop-Termin im Januar", "over coffee"),
    ],
)
def test_the_72_hour_draft_proposes_the_next_step_from_the_notes(
    alice_client, make_person, workspace, variant, step, generic
):
    lea = make_person(first_name="Lea", last_name="Berg", form_of_address="du")
    touchpoint_log(
        workspace=workspace,
        participants=[lea],
        summary="Abendessen beim Barcamp",
        notes="Sehr offen.\nNächster Schritt: Workshop-Termin im Januar",
        occurred_at=MET,
    )
    body = _draft(alice_client, lea, "follow_up_72h", variant)
    assert step in body
    assert generic not in body
    assert "Sehr offen" not in body  # private notes stay private


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    ("variant", "notes", "proposal"),
    [
        ("de_du", "Lass uns nächste Woche telefonieren!", "Lass uns gern"),
        ("en", "How about lunch next Tuesday?", "over coffee or a short call"),
    ],
)
def test_a_proposal_in_the_users_notes_is_not_repeated(
    alice_client, thomas, variant, notes, proposal
):
    assert proposal in _draft(alice_client, thomas, "follow_up_72h", variant)
    body = _draft(alice_client, thomas, "follow_up_72h", variant, notes=notes)
    assert notes in body
    assert proposal not in body


@time_machine.travel(NOW, tick=False)
def test_the_thanks_draft_uses_topic_next_step_and_a_date_in_words(
    alice_client, make_person, workspace
):
    lea = make_person(first_name="Lea", last_name="Berg", form_of_address="du", gender="f")
    touchpoint_log(
        workspace=workspace,
        participants=[lea],
        summary="Netzwerkgespräch mit Lea – Wechsel in die Produktentwicklung",
        notes="next step: CV an Lea schicken",
        occurred_at=MET,
    )
    body = _draft(alice_client, lea, "conversation_thanks", "de_du")
    assert "unser Gespräch am 1. Dezember" in body
    assert "zu „Wechsel in die Produktentwicklung“" in body
    assert "Als Nächstes nehme ich mir vor: CV an Lea schicken." in body


@pytest.mark.parametrize(
    ("fields", "channel"),
    [
        ({"emails": ["lea@example.org"]}, "email"),
        ({"phones": ["+49 30 1234567"]}, "call"),
        ({"linkedin_url": "https://www.linkedin.com/in/lea"}, "linkedin"),
        ({"phones": ["+49 30 1234567"], "preferred_channel": "whatsapp"}, "whatsapp"),
        ({"phones": ["+49 30 1234567"], "preferred_channel": "email"}, "call"),
        ({}, "call"),
    ],
)
def test_the_default_channel_is_one_the_person_can_be_reached_on(
    alice_client, make_person, fields, channel
):
    lea = make_person(first_name="Lea", last_name="Berg", **fields)
    response = alice_client.get(reverse("compose", args=[lea.pk]))
    assert response.context["form"].initial["channel"] == channel


@pytest.mark.parametrize(
    ("language", "label"),
    [("en", "Your name, as your messages are signed"), ("de", "Ihr Name, mit dem")],
)
def test_the_first_compose_asks_for_the_senders_name_once(
    alice_client, alice, workspace, make_person, language, label
):
    alice.language = language
    alice.save(update_fields=["language"])
    lea = make_person(first_name="Lea", last_name="Berg", emails=["lea@example.org"])
    url = reverse("compose", args=[lea.pk])
    page = alice_client.get(url).content.decode()
    assert 'id="sender-name-form"' in page and label in page
    empty = alice_client.post(reverse("sender_name"), {"from_name": " ", "next": url})
    assert empty.status_code == 302
    assert not SenderSettings.objects.exists()
    saved = alice_client.post(reverse("sender_name"), {"from_name": "Alice A. Adler", "next": url})
    assert saved.status_code == 302 and saved["Location"] == url
    assert SenderSettings.objects.get(user=alice, workspace=workspace).from_name == "Alice A. Adler"
    page = alice_client.get(url, {"template": "check_in"})
    assert 'id="sender-name-form"' not in page.content.decode()
    assert "Alice A. Adler" in page.context["form"].initial["body"]
