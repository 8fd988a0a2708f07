"""The touchpoint log and the quick-log parser."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from kontaktpflege.touchpoints.models import Touchpoint
from kontaktpflege.touchpoints.quicklog import guess_channel, parse
from kontaktpflege.touchpoints.services import quick_log, touchpoint_delete, touchpoint_log


@pytest.mark.parametrize(
    ("text", "channel", "names", "topic"),
    [
        ("Kaffee mit Thomas – Design Thinking", "meeting", ["Thomas"], "Design Thinking"),
        (
            "Coffee with Thomas, talked about design thinking",
            "meeting",
            ["Thomas"],
            "design thinking",
        ),
        (
            "Anruf mit Julia Weber: Umzug nach München",
            "call",
            ["Julia Weber"],
            "Umzug nach München",
        ),
        ("Stammtisch mit Anna und Ben", "group_meeting", ["Anna", "Ben"], ""),
        ("Lunch with Kim & Alex - new job", "meeting", ["Kim", "Alex"], "new job"),
        ("E-Mail an Herrn Schmidt wegen Konferenz", "email", ["Schmidt"], "Konferenz"),
        (
            "Kaffee mit Thomas, hat von seinem Umzug erzählt",
            "meeting",
            ["Thomas"],
            "hat von seinem Umzug erzählt",
        ),
    ],
)
def test_the_parser_finds_channel_names_and_topic(text, channel, names, topic):
    parsed = parse(text)
    assert (parsed.channel, parsed.names, parsed.topic) == (channel, names, topic)


def test_a_line_without_a_channel_word_is_a_meeting():
    assert guess_channel("Thomas gesehen") == "meeting"


@pytest.mark.django_db
def test_a_group_touchpoint_resets_every_participant(workspace, make_person):
    a = make_person(first_name="Anna", last_name="A")
    b = make_person(first_name="Ben", last_name="B")
    when = timezone.now() - dt.timedelta(days=3)
    touchpoint_log(
        workspace=workspace,
        participants=[a, b],
        summary="Stammtisch",
        channel="group_meeting",
        occurred_at=when,
    )
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.last_touched_at == when == b.last_touched_at


@pytest.mark.django_db
def test_deleting_the_latest_touchpoint_restores_the_previous_last_touch(workspace, make_person):
    person = make_person()
    old = timezone.now() - dt.timedelta(days=40)
    touchpoint_log(workspace=workspace, participants=[person], summary="alt", occurred_at=old)
    latest = touchpoint_log(workspace=workspace, participants=[person], summary="neu")
    touchpoint_delete(touchpoint=latest)
    person.refresh_from_db()
    assert person.last_touched_at == old


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"summary": ""}, "summary"),
        ({"summary": "x" * 301}, "summary"),
        ({"summary": "ok", "channel": "telepathy"}, "channel"),
        ({"summary": "ok", "occurred_at": timezone.now() + dt.timedelta(days=3)}, "occurred_at"),
        ({"summary": "ok\x00"}, "summary"),
    ],
)
def test_bad_touchpoints_are_refused_and_nothing_is_written(workspace, make_person, kwargs, field):
    person = make_person()
    with pytest.raises(ValidationError) as exc:
        touchpoint_log(workspace=workspace, participants=[person], **kwargs)
    assert field in exc.value.message_dict
    assert not Touchpoint.objects.exists()
    person.refresh_from_db()
    assert person.last_touched_at is None


@pytest.mark.django_db
def test_a_person_of_another_workspace_cannot_take_part(workspace, charlie):
    from kontaktpflege.contacts.services import person_create

    stranger = person_create(workspace=charlie.active_workspace, first_name="Eve")
    with pytest.raises(ValidationError):
        touchpoint_log(workspace=workspace, participants=[stranger], summary="x")
    assert not Touchpoint.objects.exists()


@pytest.mark.django_db
def test_quick_log_matches_names_regardless_of_umlaut_spelling(workspace, make_person):
    person = make_person(first_name="Jürgen", last_name="Müller")
    touchpoint = quick_log(workspace=workspace, text="Anruf mit Juergen Mueller")
    assert list(touchpoint.participants.all()) == [person]
    assert touchpoint.channel == "call"
