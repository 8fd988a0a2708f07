"""Bulk reads and writes without the ORM give and store what the ORM would."""

from __future__ import annotations

import datetime as dt
import json

import psycopg
import pytest
from django.db import connection
from django.utils import timezone
from psycopg.pq import Format

from kontaktpflege.contacts.models import Person
from kontaktpflege.core import bulksql
from kontaktpflege.followups.models import FollowUp
from kontaktpflege.touchpoints.models import Touchpoint
from kontaktpflege.touchpoints.services import touchpoint_log

pytestmark = pytest.mark.django_db


def test_values_rows_equal_the_orms_rows(make_person, workspace, alice):
    anna = make_person(first_name="Anna", last_name="Ölz", met_on=dt.date(2024, 2, 29))
    make_person(first_name="Ben", birthday_day=1, birthday_month=5)
    qs = Person.objects.filter(workspace=workspace).order_by("pk")
    fields = ("id", "first_name", "created_at", "met_on", "birthday_month", "user_id")
    rows = bulksql.values_rows(qs.values_list(*fields))
    assert rows == [tuple(r) for r in qs.values_list(*fields)]
    assert rows[1][:4] == (anna.pk, "Anna", anna.created_at, dt.date(2024, 2, 29))


def test_values_rows_of_nobody_are_none(make_person, workspace):
    make_person(first_name="Anna")
    nobody = Person.objects.filter(workspace=workspace, pk__in=[]).values_list("id", "created_at")
    assert bulksql.values_rows(nobody) == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="psycopg's loaders")
def test_read_cursor_reads_timestamps_with_the_compiled_loader(make_person, workspace, alice):
    anna = make_person(first_name="Anna")
    touchpoint_log(workspace=workspace, participants=[anna], summary="Kaffee", created_by=alice)
    expected = list(Touchpoint.objects.values_list("occurred_at", flat=True))
    oid = psycopg.adapters.types["timestamptz"].oid
    with bulksql.read_cursor() as cursor:
        loader = cursor.cursor.adapters.get_loader(oid, Format.TEXT)
        cursor.execute("SELECT occurred_at FROM touchpoints_touchpoint")
        found = [row[0] for row in cursor.fetchall()]
    assert loader.__module__.startswith(("psycopg_binary", "psycopg_c"))
    assert found == expected
    assert all(value.tzinfo is dt.UTC for value in found)
    # Only that cursor: the ORM's next query still reads with Django's loader.
    with connection.cursor() as cursor:
        assert not cursor.cursor.adapters.get_loader(oid, Format.TEXT).__module__.startswith(
            "psycopg_binary"
        )


def test_rows_written_with_the_adapters_read_back_as_the_orm_writes_them(make_person, workspace):
    anna = make_person(first_name="Anna")
    a = bulksql.adapters()
    stamp = timezone.now()
    columns = ("created_at", "updated_at", "workspace_id", "person_id", "rule", "key")
    columns += ("subject", "due_on", "original_due_on", "window_end", "priority", "params")
    columns += ("state", "snoozed_until", "skip_reason", "closed_at", "closed_by_touchpoint_id")
    params = {"name": 'Anna \t\\ "Ölz"', "last": None, "interval": 90}
    row = (a.datetime(stamp), a.datetime(stamp), workspace.pk, anna.pk, "custom", "custom:x")
    row += ("", a.date(dt.date(2026, 3, 1)), a.date(dt.date(2026, 3, 1)), a.date(None), 7)
    row += (a.json(params), "open", None, "", None, None)
    FollowUp.objects.filter(person=anna).delete()
    assert bulksql.insert_rows(FollowUp, columns, [row]) == 1
    written = FollowUp.objects.get(person=anna)
    assert (written.created_at, written.due_on, written.window_end) == (
        stamp,
        dt.date(2026, 3, 1),
        None,
    )
    assert written.params == params
    [read] = bulksql.select_rows(FollowUp, ("params",), workspace.pk, ids=[anna.pk])
    assert a.json_equal(read[0], params) and not a.json_equal(read[0], {**params, "last": 1})
    later = {"name": "Anna", "n": [1, 2]}
    update = (8, a.json(later), a.date(dt.date(2026, 4, 1)), a.datetime(stamp), written.pk)
    bulksql.update_rows(FollowUp, ("priority", "params", "due_on", "updated_at"), [update])
    written.refresh_from_db()
    assert (written.priority, written.params, written.due_on) == (8, later, dt.date(2026, 4, 1))


@pytest.mark.parametrize(
    "value",
    [
        {"name": "Zoë", "last": "2025-01-02", "interval": 90, "ratio": 2.5, "x": [None, True]},
        {"nested": {"list": [1, {"a": 'b\n"c"'}]}, "empty": {}, "none": []},
        "text",
        12,
        None,
    ],
)
def test_dumps_writes_the_text_of_json_dumps(value):
    assert bulksql.dumps(value) == json.dumps(value)


def test_dumps_refuses_what_json_dumps_refuses():
    with pytest.raises(TypeError):
        bulksql.dumps({"when": dt.date(2025, 1, 2)})
