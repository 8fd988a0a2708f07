"""A participation carries its touchpoint's time, channel and give/take, through every writer."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from kontaktpflege.touchpoints.models import Participation, Touchpoint
from kontaktpflege.touchpoints.services import (
    TouchpointEntry,
    quick_log,
    touchpoint_log,
    touchpoint_update,
    touchpoints_log_bulk,
)

pytestmark = pytest.mark.django_db


def _copies(touchpoint: Touchpoint) -> set[tuple[str, str, dt.datetime]]:
    return set(
        Participation.objects.filter(touchpoint=touchpoint).values_list(
            "channel", "give_take", "occurred_at"
        )
    )


@pytest.fixture
def three(make_person):
    return [make_person(first_name=n, last_name="Kopie") for n in ("Anna", "Ben", "Clara")]


def test_a_logged_touchpoints_participations_carry_its_channel_and_give_take(workspace, three):
    tp = touchpoint_log(
        workspace=workspace, participants=three, summary="Call", channel="call", give_take="take"
    )
    assert Participation.objects.filter(touchpoint=tp).count() == 3
    assert _copies(tp) == {("call", "take", tp.occurred_at)}


def test_a_quick_log_copies_the_parsed_channel(workspace, three):
    tp = quick_log(workspace=workspace, text="Anruf mit Anna Kopie", people=three[:1])
    assert tp.channel == "call"
    assert _copies(tp) == {("call", "", tp.occurred_at)}


def test_a_bulk_log_copies_each_touchpoints_channel_and_give_take(workspace, three):
    now = timezone.now()
    entries = [
        TouchpointEntry(
            workspace=workspace, participants=three[:2], summary="Mail", occurred_at=now,
            channel="email", give_take="give",
        ),
        TouchpointEntry(
            workspace=workspace, participants=three[1:], summary="Treffen", occurred_at=now,
            channel="meeting",
        ),
    ]  # fmt: skip
    mail, meeting = touchpoints_log_bulk(entries=entries)
    assert _copies(mail) == {("email", "give", now)}
    assert _copies(meeting) == {("meeting", "", now)}


def test_an_edit_of_channel_or_give_take_changes_every_participation(workspace, three):
    tp = touchpoint_log(workspace=workspace, participants=three, summary="Kaffee")
    assert _copies(tp) == {("meeting", "", tp.occurred_at)}
    later = tp.occurred_at - dt.timedelta(days=1)
    touchpoint_update(touchpoint=tp, channel="whatsapp", give_take="give", occurred_at=later)
    assert _copies(tp) == {("whatsapp", "give", later)}
    touchpoint_update(touchpoint=tp, participants=three[:2], give_take="")
    assert _copies(tp) == {("whatsapp", "", later)}
    assert Participation.objects.filter(touchpoint=tp).count() == 2


BEFORE = [("touchpoints", "0003_participation_covering_index")]
AFTER = [("touchpoints", "0004_participation_channel_give_take")]


@pytest.mark.django_db(transaction=True)
def test_the_migration_fills_existing_participations_from_their_touchpoints(workspace, three):
    executor = MigrationExecutor(connection)
    try:
        executor.migrate(BEFORE)
        old = executor.loader.project_state(BEFORE[0]).apps
        Touchpoint0 = old.get_model("touchpoints", "Touchpoint")
        Participation0 = old.get_model("touchpoints", "Participation")
        when = timezone.now()
        made = {}
        for channel, give_take in (("event", "give"), ("letter", "take"), ("call", "")):
            tp = Touchpoint0.objects.create(
                workspace_id=workspace.pk,
                occurred_at=when,
                channel=channel,
                give_take=give_take,
                summary=channel,
            )
            for person in three:
                Participation0.objects.create(touchpoint=tp, person_id=person.pk, occurred_at=when)
            made[tp.pk] = (channel, give_take)
        executor = MigrationExecutor(connection)  # a new one reads the applied state again
        executor.migrate(AFTER)
    finally:
        MigrationExecutor(connection).migrate(executor.loader.graph.leaf_nodes())
    rows = Participation.objects.values_list("touchpoint_id", "channel", "give_take")
    assert len(rows) == 9
    assert {(pk, channel, give_take) for pk, channel, give_take in rows} == {
        (pk, *copied) for pk, copied in made.items()
    }
