"""Inline "Done" logs the channel that was used (issue #10, point 19)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from kontaktpflege.followups.models import FollowUp, State
from kontaktpflege.touchpoints.models import Touchpoint

from .conftest import berlin

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def _item(workspace, person, rule="keep_in_touch"):
    day = dt.date(2026, 3, 10)
    return FollowUp.objects.create(
        workspace=workspace,
        person=person,
        rule=rule,
        key=f"{rule}:{person.pk}:{day}",
        due_on=day,
        original_due_on=day,
        params={"name": person.first_name},
    )


def _done(client, item, summary="", **extra):
    response = client.post(
        reverse("followup_act", args=[item.pk]), {"done": "1", "summary": summary}, **extra
    )
    assert response.status_code in (200, 302)
    item.refresh_from_db()
    assert item.state == State.DONE
    return Touchpoint.objects.get(pk=item.closed_by_touchpoint_id)


@time_machine.travel(berlin(2026, 3, 10, 9), tick=False)
@pytest.mark.parametrize(
    ("language", "summary", "channel"),
    [
        ("de", "Telefonat wegen des Angebots", "call"),
        ("en", "Phone call about the offer", "call"),
        ("de", "Auf LinkedIn gratuliert", "linkedin"),
        ("en", "Coffee near the station", "meeting"),
    ],
)
def test_inline_done_takes_the_channel_from_the_typed_text(
    alice_client, alice, make_person, workspace, language, summary, channel
):
    alice.language = language
    alice.save(update_fields=["language"])
    thomas = make_person(emails=["thomas@example.org"])
    touchpoint = _done(alice_client, _item(workspace, thomas), summary, **HTMX)
    assert (touchpoint.channel, touchpoint.summary) == (channel, summary)


@time_machine.travel(berlin(2026, 3, 10, 9), tick=False)
def test_inline_done_without_text_uses_the_channel_the_follow_up_suggests(
    alice_client, make_person, workspace
):
    thomas = make_person(emails=["thomas@example.org"])
    touchpoint = _done(alice_client, _item(workspace, thomas, rule="feedback_request"))
    assert touchpoint.channel == "call"  # seed 000: ask for feedback by phone


@time_machine.travel(berlin(2026, 3, 10, 9), tick=False)
@pytest.mark.parametrize(
    ("fields", "channel"),
    [
        ({"emails": ["lea@example.org"]}, "email"),
        ({"phones": ["+49 30 1234567"]}, "call"),
        ({"linkedin_url": "https://www.linkedin.com/in/lea"}, "linkedin"),
        ({"phones": ["+49 30 1234567"], "preferred_channel": "whatsapp"}, "whatsapp"),
        ({}, "meeting"),
    ],
)
def test_inline_done_without_text_uses_a_channel_the_person_is_reached_on(
    alice_client, make_person, workspace, fields, channel
):
    lea = make_person(first_name="Lea", last_name="Berg", **fields)
    assert _done(alice_client, _item(workspace, lea)).channel == channel


@time_machine.travel(berlin(2026, 3, 10, 9), tick=False)
def test_a_chosen_channel_wins_over_the_typed_text(alice_client, make_person, workspace):
    thomas = make_person(emails=["thomas@example.org"])
    item = _item(workspace, thomas)
    response = alice_client.post(
        reverse("followup_act", args=[item.pk]),
        {"done": "1", "channel": "letter", "summary": "Telefonat"},
    )
    assert response.status_code == 302
    assert Touchpoint.objects.get().channel == "letter"


@time_machine.travel(berlin(2026, 3, 10, 9), tick=False)
@pytest.mark.parametrize(("language", "word"), [("de", "Anruf"), ("en", "Call")])
def test_the_item_page_preselects_the_suggested_channel_and_says_what_was_logged(
    alice_client, alice, make_person, workspace, language, word
):
    alice.language = language
    alice.save(update_fields=["language"])
    lea = make_person(first_name="Lea", last_name="Berg", phones=["+49 30 1234567"])
    item = _item(workspace, lea)
    page = alice_client.get(reverse("followup_detail", args=[item.pk])).content.decode()
    assert '<option value="call" selected>' in page
    response = alice_client.post(reverse("followup_act", args=[item.pk]), {"done": "1"}, **HTMX)
    assert f"({word})" in response.content.decode()
