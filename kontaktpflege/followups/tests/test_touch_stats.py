"""The recompute's touch statistics: from the participation index alone, no touchpoint."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kontaktpflege.followups.services import TOUCH_STATS, _touch_stats
from kontaktpflege.touchpoints.services import touchpoint_log

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2025, 3, 3, 9, tzinfo=dt.UTC)


def _at(days: int) -> dt.datetime:
    return T0 + dt.timedelta(days=days)


@pytest.fixture
def history(workspace, make_person):
    """Thomas: a mail, a meeting, gives and takes over time; Clara shares one event."""
    thomas, clara = make_person(), make_person(first_name="Clara", last_name="Zeh")
    log = [
        ("Mail", "email", "", 0, [thomas]),
        ("Kaffee", "meeting", "give", 5, [thomas]),
        ("Hilfe bekommen", "call", "take", 10, [thomas]),
        ("Konferenz", "event", "take", 20, [thomas, clara]),
        ("Artikel geschickt", "linkedin", "give", 30, [thomas]),
    ]
    tps = {}
    for summary, channel, give_take, days, people in log:
        tps[summary] = touchpoint_log(
            workspace=workspace,
            participants=people,
            summary=summary,
            channel=channel,
            give_take=give_take,
            occurred_at=_at(days),
        )
    return thomas, clara, tps


def test_touch_stats_count_meetings_gives_and_takes_per_person(history):
    thomas, clara, tps = history
    found = _touch_stats([thomas.pk, clara.pk])
    stats = {pk: dict(zip(TOUCH_STATS, values, strict=True)) for pk, values in found.items()}
    assert stats[thomas.pk] == {
        "first": _at(0),
        "first_meeting": _at(5),
        "last": _at(30),
        "n": 5,
        "gives": 2,
        "takes": 2,
        "last_take_id": tps["Konferenz"].pk,
        "last_take_at": _at(20),
    }
    assert stats[clara.pk] == {
        "first": _at(20),
        "first_meeting": _at(20),  # an event counts as meeting
        "last": _at(20),
        "n": 1,
        "gives": 0,
        "takes": 1,
        "last_take_id": tps["Konferenz"].pk,
        "last_take_at": _at(20),
    }


def test_touch_stats_read_no_touchpoint(history):
    thomas, clara, _tps = history
    with CaptureQueriesContext(connection) as queries:
        _touch_stats([thomas.pk, clara.pk])
    assert len(queries) == 1
    assert "touchpoints_touchpoint" not in queries[0]["sql"]
