"""Quick log offers to create people nobody in the network is called (issue #10, point 18)."""

from __future__ import annotations

import datetime as dt
import re
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.utils import translation

from kontaktpflege.contacts.models import Person
from kontaktpflege.followups.models import FollowUp
from kontaktpflege.touchpoints.models import Touchpoint

pytestmark = pytest.mark.django_db
LINE = "Kaffee mit Thomas Keller – Design Thinking"
NOON = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)


def _confirm_form(html: str) -> dict[str, str]:
    """The hidden fields of the "create and log" form, as a browser would post them."""
    form = re.search(r'<form[^>]*id="quicklog-create".*?</form>', html, re.S)
    assert form, html
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form.group(0)))
    return fields


@pytest.mark.parametrize("language", ["en", "de"])
def test_quick_log_offers_to_create_an_unknown_person_and_logs_after_confirming(
    alice_client, alice, make_person, language, django_capture_on_commit_callbacks
):
    alice.language = language
    alice.save(update_fields=["language"])
    make_person(first_name="Anna", last_name="Schmidt")
    with time_machine.travel(NOON, tick=False):
        first = alice_client.post("/log/quick/", {"text": LINE, "token": "tok-1"})
        html = first.content.decode()
        assert first.status_code == 400
        with translation.override(language):
            button = (
                "Thomas Keller anlegen und eintragen"
                if language == "de"
                else ("Create Thomas Keller and log")
            )
        assert button in html
        assert not Touchpoint.objects.exists()
        assert not Person.objects.filter(last_name="Keller").exists()
        fields = _confirm_form(html)
        assert fields["token"] == "tok-1" and fields["create"] == "1"
        with django_capture_on_commit_callbacks(execute=True):
            done = alice_client.post("/log/quick/", fields)
        assert done.status_code == 302
        again = alice_client.post("/log/quick/", fields)  # a double click changes nothing
        assert again.status_code == 302
    thomas = Person.objects.get(first_name="Thomas", last_name="Keller")
    touchpoint = Touchpoint.objects.get()
    assert list(touchpoint.participants.all()) == [thomas]
    assert touchpoint.idempotency_key == "tok-1"
    assert touchpoint.notes == "Design Thinking"
    assert thomas.met_on == dt.date(2026, 3, 10)
    assert Person.objects.filter(last_name="Keller").count() == 1
    # Met today: the 72-hour rule asks for a personal note, due three days later.
    item = FollowUp.objects.get(person=thomas, rule="new_contact")
    assert item.due_on == dt.date(2026, 3, 13)


def test_an_ambiguous_name_is_never_offered_for_creation(alice_client, make_person):
    make_person(first_name="Thomas", last_name="Müller")
    make_person(first_name="Thomas", last_name="Schmidt")
    response = alice_client.post("/log/quick/", {"text": "Kaffee mit Thomas und Lea Berg"})
    html = response.content.decode()
    assert response.status_code == 400
    assert "matches 2 people" in html
    assert 'id="quicklog-create"' not in html
    forged = alice_client.post("/log/quick/", {"text": "Kaffee mit Thomas", "create": "1"})
    assert forged.status_code == 400
    assert Person.objects.filter(user__isnull=True).count() == 2 and not Touchpoint.objects.exists()


def test_known_and_unknown_people_are_logged_together_after_confirming(alice_client, make_person):
    anna = make_person(first_name="Anna", last_name="Schmidt")
    response = alice_client.post(
        "/log/quick/", {"text": "Lunch mit Anna Schmidt und Thomas Keller", "create": "1"}
    )
    assert response.status_code == 302
    touchpoint = Touchpoint.objects.get()
    names = sorted(p.full_name for p in touchpoint.participants.all())
    assert names == ["Anna Schmidt", "Thomas Keller"]
    anna.refresh_from_db()
    assert anna.met_on is None


def _log(*args: str) -> str:
    out = StringIO()
    call_command("log_touchpoint", *args, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize("language", ["en", "de"])
def test_the_cli_creates_unknown_people_with_create(alice, language):
    alice.language = language
    alice.save(update_fields=["language"])
    with time_machine.travel(NOON, tick=False):
        with pytest.raises(CommandError, match="--create"):
            _log(LINE, "--user", "alice")
        assert not Person.objects.filter(last_name="Keller").exists()
        output = _log(LINE, "--user", "alice", "--create")
    thomas = Person.objects.get(last_name="Keller")
    assert thomas.met_on == dt.date(2026, 3, 10)
    assert list(Touchpoint.objects.get().participants.all()) == [thomas]
    assert "Thomas Keller" in output
    assert ("Angelegt" if language == "de" else "Created") in output
