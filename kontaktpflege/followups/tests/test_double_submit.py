"""A second Done/Snooze/Skip on an item that was closed meanwhile (double submit, two tabs)
is refused: one touchpoint, the first decision stays."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError

from kontaktpflege.followups import services
from kontaktpflege.followups.models import FollowUp, State
from kontaktpflege.touchpoints.models import Touchpoint

from .conftest import berlin

pytestmark = pytest.mark.django_db
TODAY = dt.date(2025, 6, 2)


def open_item(make_person, committed) -> FollowUp:
    with committed():
        thomas = make_person(circle="core")
    return FollowUp.objects.get(person=thomas, rule="keep_in_touch", state=State.OPEN)


@time_machine.travel(berlin(2025, 6, 2, 9), tick=False)
def test_done_twice_logs_one_touchpoint(alice, make_person, committed):
    item = open_item(make_person, committed)
    stale = FollowUp.objects.get(pk=item.pk)  # the second tab, loaded before the first Done
    with committed():
        first = services.followup_complete(followup=item, user=alice, channel="call")
    with pytest.raises(ValidationError, match="already closed"), committed():
        services.followup_complete(followup=stale, user=alice, channel="email")
    assert list(Touchpoint.objects.values_list("pk", flat=True)) == [first.pk]
    item.refresh_from_db()
    assert item.state == State.DONE and item.closed_by_touchpoint_id == first.pk


@time_machine.travel(berlin(2025, 6, 2, 9), tick=False)
def test_snooze_or_skip_after_done_in_another_tab_changes_nothing(alice, make_person, committed):
    item = open_item(make_person, committed)
    stale = FollowUp.objects.get(pk=item.pk)
    other = FollowUp.objects.get(pk=item.pk)
    with committed():
        services.followup_complete(followup=item, user=alice)
    with pytest.raises(ValidationError, match="already closed"):
        services.followup_snooze(followup=stale, until=TODAY + dt.timedelta(days=3), today=TODAY)
    with pytest.raises(ValidationError, match="already closed"):
        services.followup_skip(followup=other, reason="On holiday")
    item.refresh_from_db()
    assert (item.state, item.snoozed_until, item.skip_reason) == (State.DONE, None, "")
    assert Touchpoint.objects.count() == 1


@time_machine.travel(berlin(2025, 6, 2, 9), tick=False)
def test_done_after_skip_in_another_tab_logs_nothing(alice, make_person, committed):
    item = open_item(make_person, committed)
    stale = FollowUp.objects.get(pk=item.pk)
    services.followup_skip(followup=item, reason="On holiday")
    with pytest.raises(ValidationError, match="already closed"), committed():
        services.followup_complete(followup=stale, user=alice)
    assert not Touchpoint.objects.exists()
    item.refresh_from_db()
    assert item.state == State.SKIPPED and item.skip_reason == "On holiday"


@time_machine.travel(berlin(2025, 6, 2, 9), tick=False)
def test_a_snoozed_item_can_still_be_done_once(alice, make_person, committed):
    item = open_item(make_person, committed)
    services.followup_snooze(followup=item, until=TODAY + dt.timedelta(days=3), today=TODAY)
    with committed():
        services.followup_complete(followup=FollowUp.objects.get(pk=item.pk), user=alice)
    item.refresh_from_db()
    assert item.state == State.DONE and Touchpoint.objects.count() == 1
