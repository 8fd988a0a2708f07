"""The touchpoint services refuse instants near year 1 or 9999 (every interface uses them)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from kontaktpflege.touchpoints.models import Touchpoint
from kontaktpflege.touchpoints.services import quick_log, touchpoint_log, touchpoint_update

pytestmark = pytest.mark.django_db

RANGE_ERROR = "Choose a date between 1900-01-01 and 2200-12-31."
OUT_OF_RANGE = [
    dt.datetime(1, 1, 1, tzinfo=dt.UTC),
    dt.datetime(1899, 12, 31, 23, 59, tzinfo=dt.UTC),
    dt.datetime(9999, 12, 31, 23, tzinfo=dt.UTC),
]


@pytest.mark.parametrize("when", OUT_OF_RANGE, ids=str)
def test_logging_and_quick_logging_refuse_a_time_out_of_range(workspace, make_person, when):
    thomas = make_person()
    with pytest.raises(ValidationError) as error:
        touchpoint_log(workspace=workspace, participants=[thomas], summary="x", occurred_at=when)
    assert error.value.message_dict == {"occurred_at": [RANGE_ERROR]}
    with pytest.raises(ValidationError) as error:
        quick_log(workspace=workspace, text="Kaffee mit Thomas", occurred_at=when)
    assert error.value.message_dict == {"occurred_at": [RANGE_ERROR]}
    assert not Touchpoint.objects.exists()
    thomas.refresh_from_db()
    assert thomas.last_touched_at is None


def test_the_first_and_last_instant_of_the_range_are_accepted(workspace, make_person):
    thomas = make_person()
    first = dt.datetime(1900, 1, 1, tzinfo=dt.UTC)
    touchpoint_log(workspace=workspace, participants=[thomas], summary="x", occurred_at=first)
    thomas.refresh_from_db()
    assert thomas.last_touched_at == first


def test_moving_a_touchpoint_out_of_range_is_refused_and_changes_nothing(workspace, make_person):
    thomas = make_person()
    touchpoint = touchpoint_log(workspace=workspace, participants=[thomas], summary="x")
    before = touchpoint.occurred_at
    with pytest.raises(ValidationError):
        touchpoint_update(touchpoint=touchpoint, occurred_at=OUT_OF_RANGE[0])
    touchpoint.refresh_from_db()
    assert touchpoint.occurred_at == before
