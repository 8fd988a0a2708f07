"""Activating a dormant contact (seed 004): the steps, and a conversation logged anywhere.

The activation is complete once we have talked, whichever way the talk is logged (its own
page, quick log, Today's "Done", a sent message, the API): the person returns into the
circle chosen in the activation, and the reactivation item is done.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import translation

from kontaktpflege.applications import activation as act
from kontaktpflege.applications.models import Activation
from kontaktpflege.contacts.models import Person
from kontaktpflege.followups.models import FollowUp
from kontaktpflege.followups.selectors import agenda
from kontaktpflege.touchpoints.models import Touchpoint

from .conftest import berlin

pytestmark = pytest.mark.django_db

NOW = berlin(2025, 6, 2, 9)


@pytest.fixture
def dora(make_person, committed):
    """Dora, dormant since 2023 (no touch for two years): her reactivation item is open."""
    from kontaktpflege.followups.services import followups_refresh_people

    with time_machine.travel(berlin(2023, 1, 2, 9), tick=False), committed():
        dora = make_person(
            first_name="Dora",
            last_name="Schlaf",
            circle="dormant",
            language="de",
            form_of_address="du",
            phones=["+49 30 1234567"],
        )
    with time_machine.travel(NOW, tick=False):
        followups_refresh_people(person_ids=[dora.pk])
    assert FollowUp.objects.filter(person=dora, rule="reactivation", state="open").exists()
    return dora


@pytest.fixture
def started(workspace, dora):
    """An activation of Dora, started on NOW, that returns her to the "active" circle."""
    with time_machine.travel(NOW, tick=False):
        return act.activation_start(
            workspace=workspace, person=dora, goal="reminisce", circle="active"
        )


def reactivation(person: Person) -> FollowUp:
    return FollowUp.objects.get(person=person, rule="reactivation")


def assert_completed_into(a: Activation, person: Person, circle: str, tp: Touchpoint) -> None:
    a.refresh_from_db()
    person.refresh_from_db()
    assert a.completed_at is not None
    assert person.circle == circle
    item = reactivation(person)
    assert item.state == "done" and item.closed_by_touchpoint_id == tp.pk


# --- start, goal, circle --------------------------------------------------------------------


def test_an_activation_returns_the_person_to_network_unless_another_circle_is_chosen(
    workspace, dora
):
    first = act.activation_start(workspace=workspace, person=dora, goal="help_from")
    assert first.circle == "network" and first.completed_at is None
    second = act.activation_start(
        workspace=workspace, person=dora, goal="help_through", offer="Ein Artikel", circle="core"
    )
    assert (second.goal, second.offer, second.circle) == ("help_through", "Ein Artikel", "core")


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "Choose the circle they return to."),
        ("de", "Wählen Sie den Kreis, in den die Person zurückkehrt."),
    ],
)
def test_dormant_is_no_circle_to_return_to_and_nothing_is_started(
    workspace, dora, language, message
):
    with translation.override(language), pytest.raises(ValidationError) as exc:
        act.activation_start(workspace=workspace, person=dora, goal="reminisce", circle="dormant")
    assert exc.value.message_dict == {"circle": [message]}
    assert not Activation.objects.exists()


def test_changing_the_goal_can_change_the_circle_and_an_empty_circle_keeps_it(started):
    act.activation_update(activation=started, goal="help_from", offer="Kontakt", circle="core")
    started.refresh_from_db()
    assert (started.goal, started.offer, started.circle) == ("help_from", "Kontakt", "core")
    act.activation_update(activation=started, goal="reminisce")
    started.refresh_from_db()
    assert (started.goal, started.circle) == ("reminisce", "core")


def test_a_bad_circle_on_update_changes_nothing(started):
    with pytest.raises(ValidationError) as exc:
        act.activation_update(activation=started, goal="help_from", circle="unsorted")
    assert "circle" in exc.value.message_dict
    started.refresh_from_db()
    assert (started.goal, started.circle) == ("reminisce", "active")


def test_a_person_of_another_workspace_cannot_be_activated(workspace, charlie):
    from kontaktpflege.contacts.services import person_create

    stranger = person_create(workspace=charlie.active_workspace, first_name="Sam", circle="dormant")
    with pytest.raises(ValidationError) as exc:
        act.activation_start(workspace=workspace, person=stranger, goal="reminisce")
    assert exc.value.message_dict == {"person": ["Not found."]}
    assert not Activation.objects.exists()


def test_another_workspace_gets_404_for_the_activation_and_nothing_changes(charlie, started, dora):
    with pytest.raises(Http404):
        act.activation_get(workspace=charlie.active_workspace, pk=started.pk)
    started.refresh_from_db()
    dora.refresh_from_db()
    assert started.completed_at is None and dora.circle == "dormant"


def test_charlies_touchpoints_do_not_complete_alices_activation(charlie, started, dora):
    from kontaktpflege.contacts.services import person_create
    from kontaktpflege.touchpoints.services import touchpoint_log

    ws = charlie.active_workspace
    sam = person_create(workspace=ws, first_name="Sam", circle="dormant")
    with time_machine.travel(NOW + dt.timedelta(hours=1), tick=False):
        touchpoint_log(workspace=ws, participants=[sam], summary="Kaffee")
    started.refresh_from_db()
    dora.refresh_from_db()
    assert started.completed_at is None and dora.circle == "dormant"


# --- the planned meeting ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "note"),
    [
        ("en", "Meeting to revive the contact (Reminisce and catch up)"),
        ("de", "Treffen, um den Kontakt wiederzubeleben (In Erinnerungen schwelgen"),
    ],
)
def test_the_planned_meeting_is_due_on_its_day_in_the_planners_language(
    workspace, started, dora, committed, language, note
):
    with time_machine.travel(NOW, tick=False), translation.override(language), committed():
        act.activation_plan_meeting(activation=started, meeting_on=dt.date(2025, 6, 10))
    item = FollowUp.objects.get(person=dora, rule="custom")
    assert item.due_on == dt.date(2025, 6, 10) and item.state == "open"
    with time_machine.travel(berlin(2025, 6, 10, 8), tick=False):
        today = agenda(workspace=workspace, today=dt.date(2025, 6, 10), language=language)
    shown = [i for items in today.groups.values() for i in items if i.followup.pk == item.pk]
    assert len(shown) == 1 and note in shown[0].reason


def test_a_meeting_in_the_past_is_refused_and_nothing_is_planned(started, dora):
    with time_machine.travel(NOW, tick=False), pytest.raises(ValidationError) as exc:
        act.activation_plan_meeting(activation=started, meeting_on=dt.date(2025, 6, 1))
    assert "meeting_on" in exc.value.message_dict
    started.refresh_from_db()
    assert started.meeting_on is None and not FollowUp.objects.filter(rule="custom").exists()


# --- completing it, wherever the conversation is logged ---------------------------------------


def test_its_own_page_completes_it_into_the_circle_chosen_at_the_start(
    alice, started, dora, committed
):
    with time_machine.travel(NOW + dt.timedelta(days=8), tick=False), committed():
        tp = act.activation_complete(activation=started, user=alice, summary="Kaffee mit Dora")
    assert_completed_into(started, dora, "active", tp)


def test_its_own_page_can_still_choose_another_circle(alice, started, dora, committed):
    with time_machine.travel(NOW + dt.timedelta(days=8), tick=False), committed():
        tp = act.activation_complete(
            activation=started, user=alice, summary="Kaffee", circle="core"
        )
    assert_completed_into(started, dora, "core", tp)
    assert started.circle == "core"


def test_a_quick_log_completes_the_activation_into_its_circle_not_network(
    alice, workspace, started, dora, committed
):
    from kontaktpflege.touchpoints.services import quick_log

    with time_machine.travel(NOW + dt.timedelta(days=8), tick=False), committed():
        tp = quick_log(workspace=workspace, text="Kaffee mit Dora Schlaf", created_by=alice)
    assert list(tp.participants.all()) == [dora]
    assert_completed_into(started, dora, "active", tp)


def test_todays_done_on_the_reactivation_item_completes_the_activation(
    alice, started, dora, committed
):
    from kontaktpflege.followups.services import followup_complete

    with time_machine.travel(NOW + dt.timedelta(days=8), tick=False), committed():
        tp = followup_complete(followup=reactivation(dora), user=alice, summary="Telefonat")
    assert_completed_into(started, dora, "active", tp)
    assert tp.channel == "call"


def test_a_sent_message_completes_the_activation(alice, workspace, started, dora, committed):
    from kontaktpflege.messaging.services import message_mark_sent

    with time_machine.travel(NOW + dt.timedelta(days=8), tick=False), committed():
        message = message_mark_sent(
            workspace=workspace,
            person=dora,
            user=alice,
            channel="whatsapp",
            subject="",
            body="Schön war's gestern, danke dir!",
            idempotency_key="wa-1",
        )
    assert_completed_into(started, dora, "active", message.touchpoint)


def test_the_sent_opener_arranges_the_meeting_and_the_meeting_completes_it(
    alice, workspace, started, dora, committed
):
    from kontaktpflege.messaging.services import message_mark_sent
    from kontaktpflege.touchpoints.services import touchpoint_log

    with time_machine.travel(NOW + dt.timedelta(hours=1), tick=False), committed():
        opener = message_mark_sent(
            workspace=workspace,
            person=dora,
            user=alice,
            channel="whatsapp",
            subject="",
            body="Hallo Dora, lange nicht gesehen – hast du Lust auf einen Kaffee?",
            idempotency_key="opener-1",
            template_key="activation_opener",
        )
    started.refresh_from_db()
    dora.refresh_from_db()
    assert started.completed_at is None  # the meeting can still be planned
    # Contact is back (issue 10): no longer dormant, the reactivation item answered.
    assert dora.circle == "network"
    assert reactivation(dora).closed_by_touchpoint_id == opener.touchpoint.pk
    with time_machine.travel(NOW + dt.timedelta(hours=2), tick=False):
        act.activation_plan_meeting(activation=started, meeting_on=dt.date(2025, 6, 10))
    with time_machine.travel(berlin(2025, 6, 10, 18), tick=False), committed():
        touchpoint_log(workspace=workspace, participants=[dora], summary="Kaffee")
    started.refresh_from_db()
    dora.refresh_from_db()
    assert started.completed_at is not None and dora.circle == "active"


def test_an_empty_circle_on_completion_means_the_one_chosen_at_the_start(
    alice, started, dora, committed
):
    with time_machine.travel(NOW + dt.timedelta(days=8), tick=False), committed():
        tp = act.activation_complete(activation=started, user=alice, summary="Kaffee", circle="")
    assert_completed_into(started, dora, "active", tp)


def test_a_talk_from_before_the_activation_started_does_not_complete_it(
    workspace, started, dora, committed
):
    from kontaktpflege.touchpoints.services import touchpoint_log

    with time_machine.travel(NOW + dt.timedelta(hours=1), tick=False), committed():
        touchpoint_log(
            workspace=workspace,
            participants=[dora],
            summary="Nachgetragen: Kaffee letzte Woche",
            occurred_at=NOW - dt.timedelta(days=7),
        )
    started.refresh_from_db()
    assert started.completed_at is None


def test_a_second_log_changes_nothing(alice, workspace, started, dora, committed):
    from kontaktpflege.contacts.services import people_bulk_update
    from kontaktpflege.touchpoints.services import touchpoint_log

    with time_machine.travel(NOW + dt.timedelta(days=8), tick=False), committed():
        touchpoint_log(workspace=workspace, participants=[dora], summary="Kaffee")
    started.refresh_from_db()
    completed_at = started.completed_at
    people_bulk_update(workspace=workspace, person_ids=[dora.pk], circle="core")  # my choice
    with time_machine.travel(NOW + dt.timedelta(days=9), tick=False), committed():
        touchpoint_log(workspace=workspace, participants=[dora], summary="Noch ein Kaffee")
    started.refresh_from_db()
    dora.refresh_from_db()
    assert started.completed_at == completed_at and dora.circle == "core"


def test_its_own_page_after_a_logged_conversation_is_refused_and_logs_nothing(
    alice, workspace, started, dora, committed
):
    from kontaktpflege.touchpoints.services import touchpoint_log

    stale = Activation.objects.get(pk=started.pk)  # a second tab, still showing the form
    with time_machine.travel(NOW + dt.timedelta(days=8), tick=False), committed():
        touchpoint_log(workspace=workspace, participants=[dora], summary="Kaffee")
    with pytest.raises(ValidationError) as exc:
        act.activation_complete(activation=stale, user=alice, summary="Kaffee", circle="core")
    assert exc.value.message_dict == {"circle": ["This activation is complete."]}
    dora.refresh_from_db()
    assert dora.circle == "active" and Touchpoint.objects.count() == 1


def test_the_subscriber_completes_an_activation_once(workspace, started, dora):
    from kontaktpflege.touchpoints.services import touchpoint_log

    with time_machine.travel(NOW + dt.timedelta(days=8), tick=False):
        tp = touchpoint_log(workspace=workspace, participants=[dora], summary="Kaffee")
    started.refresh_from_db()
    first = started.completed_at
    Person.objects.filter(pk=dora.pk).update(circle="network")
    with time_machine.travel(NOW + dt.timedelta(days=9), tick=False):
        act.activations_complete_on_touchpoint(tp, [dora.pk])  # a replayed announcement
    started.refresh_from_db()
    dora.refresh_from_db()
    assert started.completed_at == first and dora.circle == "network"
