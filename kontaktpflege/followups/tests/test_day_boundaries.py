"""Days end at the workspace's midnight, not at UTC midnight: the daily roll and the
occasion date limit use the workspace's local date."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError

from kontaktpflege.followups import services, tasks
from kontaktpflege.followups.models import Occasion, RollLog

pytestmark = pytest.mark.django_db
NEW_YORK = ZoneInfo("America/New_York")
AUCKLAND = ZoneInfo("Pacific/Auckland")


def in_zone(workspace, name: str):
    workspace.settings = {**(workspace.settings or {}), "time_zone": name}
    workspace.save(update_fields=["settings"])
    return workspace


def test_the_daily_roll_runs_at_the_workspaces_midnight(workspace, monkeypatch):
    in_zone(workspace, "America/New_York")
    rolled: list[dt.date] = []
    monkeypatch.setattr(
        services,
        "followups_roll",
        lambda *, workspace, since=None: rolled.append(services._today(workspace)),
    )
    # 21:00 in New York is already the next day in UTC: no new roll yet.
    with time_machine.travel(dt.datetime(2025, 6, 2, 21, tzinfo=NEW_YORK), tick=False):
        tasks.digest_dispatch.enqueue()
    with time_machine.travel(dt.datetime(2025, 6, 2, 23, 59, tzinfo=NEW_YORK), tick=False):
        tasks.digest_dispatch.enqueue()
    assert rolled == [dt.date(2025, 6, 2)]
    # Just after local midnight the new day rolls, once.
    with time_machine.travel(dt.datetime(2025, 6, 3, 0, 1, tzinfo=NEW_YORK), tick=False):
        tasks.digest_dispatch.enqueue()
        tasks.digest_dispatch.enqueue()
    assert rolled == [dt.date(2025, 6, 2), dt.date(2025, 6, 3)]
    days = RollLog.objects.filter(workspace=workspace).order_by("day").values_list("day", flat=True)
    assert list(days) == [dt.date(2025, 6, 2), dt.date(2025, 6, 3)]


def test_the_occasion_limit_counts_from_the_workspaces_today_ahead_of_utc(workspace, make_person):
    in_zone(workspace, "Pacific/Auckland")
    thomas = make_person()
    # 08:00 on 2 June in Auckland is still 1 June in UTC; a year ahead is 3 June 2026.
    with time_machine.travel(dt.datetime(2025, 6, 2, 8, tzinfo=AUCKLAND), tick=False):
        services.occasion_record(person=thomas, kind="promotion", on=dt.date(2026, 6, 3))
        with pytest.raises(ValidationError, match="within the next year"):
            services.occasion_record(person=thomas, kind="promotion", on=dt.date(2026, 6, 4))
    assert list(Occasion.objects.values_list("on", flat=True)) == [dt.date(2026, 6, 3)]


def test_the_occasion_limit_counts_from_the_workspaces_today_behind_utc(workspace, make_person):
    in_zone(workspace, "America/New_York")
    thomas = make_person()
    # 22:00 on 1 June in New York is 2 June in UTC; a year ahead is 2 June 2026.
    with time_machine.travel(dt.datetime(2025, 6, 1, 22, tzinfo=NEW_YORK), tick=False):
        with pytest.raises(ValidationError, match="within the next year"):
            services.occasion_record(person=thomas, kind="promotion", on=dt.date(2026, 6, 3))
        services.occasion_record(person=thomas, kind="promotion", on=dt.date(2026, 6, 2))
    assert list(Occasion.objects.values_list("on", flat=True)) == [dt.date(2026, 6, 2)]
