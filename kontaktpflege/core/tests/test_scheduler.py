"""The scheduler next to every worker: one tick per interval however many workers run."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from kontaktpflege.core import scheduler
from kontaktpflege.core.models import WorkerBeat
from kontaktpflege.followups.models import RollLog


@pytest.mark.django_db
def test_of_several_workers_only_one_ticks_per_interval():
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        assert scheduler.claim_tick(60) is True  # the first worker
        assert scheduler.claim_tick(60) is False  # a second one, same interval
    with time_machine.travel(start + dt.timedelta(seconds=30), tick=False):
        assert scheduler.claim_tick(60) is False
    with time_machine.travel(start + dt.timedelta(seconds=60), tick=False):
        assert scheduler.claim_tick(60) is True
        assert scheduler.claim_tick(60) is False


@pytest.mark.django_db
def test_a_worker_that_does_not_win_the_tick_only_stamps_its_heartbeat(
    alice, workspace, charlie, django_assert_num_queries
):
    assert scheduler.step(60) is True  # ticked: rolled both workspaces (immediate backend)
    assert RollLog.objects.count() == 2
    # The heartbeat UPDATE, the claim's UPDATE (no match) and a look that its row exists;
    # no read of workspaces, settings or digests.
    with django_assert_num_queries(3):
        assert scheduler.step(60) is False
    assert WorkerBeat.objects.filter(name=WorkerBeat.HEARTBEAT).exists()


@pytest.mark.django_db
def test_a_worker_without_scheduler_still_reports_its_heartbeat():
    scheduler.step(60, schedule=False)
    assert list(WorkerBeat.objects.values_list("name", flat=True)) == [WorkerBeat.HEARTBEAT]
