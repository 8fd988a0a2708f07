"""The bulk paths (recompute with plain rows, the incremental daily roll) against the ORM
path that refreshes people one chunk at a time: the same rows on generated data."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import transaction

from kontaktpflege.bench.generator import generate
from kontaktpflege.contacts.models import Person
from kontaktpflege.followups import services
from kontaktpflege.followups.models import ACTIVE_STATES, FollowUp, State
from kontaktpflege.followups.services import (
    followups_recompute_workspace,
    followups_refresh_bulk,
    followups_refresh_people,
    followups_roll,
)

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2025, 6, 1, 10, tzinfo=dt.UTC)


def snapshot(workspace) -> list[tuple]:
    """Every row of the workspace without ids and timestamps, in key order."""
    return list(
        FollowUp.objects.filter(workspace=workspace)
        .order_by("key")
        .values_list(
            "key",
            "person_id",
            "rule",
            "subject",
            "state",
            "due_on",
            "original_due_on",
            "window_end",
            "priority",
            "params",
            "snoozed_until",
            "skip_reason",
        )
    )


def orm_path(workspace) -> list[tuple]:
    """What the refresh of every person through the ORM leaves; rolled back afterwards."""
    ids = list(Person.objects.filter(workspace=workspace).values_list("pk", flat=True))
    with transaction.atomic():
        followups_refresh_people(person_ids=ids)
        rows = snapshot(workspace)
        transaction.set_rollback(True)
    return rows


def _decide_and_disturb(workspace) -> None:
    """User decisions (done, skipped, snoozed) and rows the facts no longer back."""
    rows = list(FollowUp.objects.filter(workspace=workspace).order_by("key"))
    assert len(rows) > 60
    for row in rows[0:60:6]:
        FollowUp.objects.filter(pk=row.pk).update(state=State.DONE)
    for row in rows[1:60:6]:
        FollowUp.objects.filter(pk=row.pk).update(state=State.SKIPPED, skip_reason="busy")
    for row in rows[2:60:6]:
        until = row.due_on + dt.timedelta(days=9)
        FollowUp.objects.filter(pk=row.pk).update(
            state=State.SNOOZED, snoozed_until=until, due_on=until, priority=1
        )
    for row in rows[3:60:6]:
        FollowUp.objects.filter(pk=row.pk).update(priority=-5, params={"stale": True})
    for row in rows[4:60:6]:
        FollowUp.objects.filter(pk=row.pk).update(due_on=row.due_on - dt.timedelta(days=3))
    person = rows[5].person_id
    for n, state in enumerate([State.OPEN, State.SNOOZED, State.DONE]):
        FollowUp.objects.create(
            workspace=workspace,
            person_id=person,
            rule="keep_in_touch",
            key=f"keep_in_touch:{person}:gone-{n}",
            due_on=dt.date(2024, 1, 1),
            original_due_on=dt.date(2024, 1, 1),
            state=state,
        )


@pytest.fixture
def generated(workspace):
    with time_machine.travel(NOW, tick=False):
        generate(workspace=workspace, scale="XS", seed=11, now=NOW)
        followups_recompute_workspace(workspace=workspace)
        _decide_and_disturb(workspace)
    return workspace


@pytest.mark.parametrize("from_scratch", [True, False])
def test_the_bulk_recompute_leaves_the_rows_the_orm_refresh_leaves(generated, from_scratch):
    with time_machine.travel(NOW, tick=False):
        expected = orm_path(generated)
        closed = {r[0] for r in snapshot(generated) if r[4] in (State.DONE, State.SKIPPED)}
        followups_recompute_workspace(workspace=generated, from_scratch=from_scratch)
        rows = snapshot(generated)
    assert rows == expected
    assert len(rows) > 100
    after = {r[0]: r[4] for r in rows}
    assert all(after[key] in (State.DONE, State.SKIPPED) for key in closed)
    assert {r[4] for r in rows} == {"open", "snoozed", "done", "skipped"}
    gone = [r for r in rows if ":gone-" in r[0]]
    assert [r[4] for r in gone] == [State.DONE]  # the vanished active ones are removed


@pytest.mark.parametrize("step", [1, 3])
def test_the_bulk_refresh_leaves_the_rows_the_orm_refresh_leaves(generated, step):
    """The worker's refresh of imported people (every person, or every third: the others'
    rows stay as they are) against the ORM refresh of the same people."""
    ids = list(
        Person.objects.filter(workspace=generated).order_by("pk").values_list("pk", flat=True)
    )
    chosen = ids[::step]
    with time_machine.travel(NOW, tick=False):
        with transaction.atomic():
            followups_refresh_people(person_ids=chosen)
            expected = snapshot(generated)
            transaction.set_rollback(True)
        before = snapshot(generated)
        followups_refresh_bulk(person_ids=chosen)
        rows = snapshot(generated)
    assert rows == expected
    assert len(rows) > 100
    if step > 1:
        assert rows != before  # the chosen people's disturbed rows were put right


def test_a_recompute_twice_changes_nothing(generated):
    with time_machine.travel(NOW, tick=False):
        followups_recompute_workspace(workspace=generated, from_scratch=False)
        first = snapshot(generated)
        stamps = dict(FollowUp.objects.values_list("key", "updated_at"))
    with time_machine.travel(NOW + dt.timedelta(minutes=5), tick=False):
        followups_recompute_workspace(workspace=generated, from_scratch=False)
    assert snapshot(generated) == first
    assert dict(FollowUp.objects.values_list("key", "updated_at")) == stamps


def test_active_rows_are_counted_after_the_bulk_recompute(generated):
    with time_machine.travel(NOW, tick=False):
        count = followups_recompute_workspace(workspace=generated)
    assert count == FollowUp.objects.filter(state__in=ACTIVE_STATES).count() > 0


def full_recompute(workspace) -> list[tuple]:
    """The rows a full recompute would leave now; rolled back afterwards."""
    with transaction.atomic():
        followups_recompute_workspace(workspace=workspace, from_scratch=False)
        rows = snapshot(workspace)
        transaction.set_rollback(True)
    return rows


def _date_dependent_people(workspace, start: dt.date) -> None:
    """People whose items change during the walk: a birthday and a job anniversary ending
    their window, a new acquaintance whose 7 days run out, one snoozed and one done."""
    from kontaktpflege.contacts.services import (
        employment_record,
        organisation_create,
        person_create,
    )

    org = organisation_create(workspace=workspace, name="Walk GmbH")
    for n in range(6):
        day = start - dt.timedelta(days=6 - n)
        person_create(
            workspace=workspace,
            first_name=f"Walk{n}",
            last_name="Birthday",
            circle="active",
            birthday_day=day.day,
            birthday_month=day.month,
        )
        hired = person_create(workspace=workspace, first_name=f"Hire{n}", last_name="Tenure")
        employment_record(
            person=hired,
            organisation=org,
            title="Engineer",
            start_date=day.replace(year=day.year - 3),
        )
        person_create(
            workspace=workspace,
            first_name=f"Met{n}",
            last_name="Recently",
            circle="network",
            met_on=start - dt.timedelta(days=n + 1),
        )


@pytest.mark.parametrize("start", [dt.date(2025, 6, 3), dt.date(2025, 12, 27)])
def test_the_incremental_roll_leaves_the_agenda_of_a_full_recompute_day_by_day(
    workspace, committed, start
):
    moment = dt.datetime.combine(start, dt.time(12), tzinfo=dt.UTC)
    with time_machine.travel(moment, tick=False):
        generate(workspace=workspace, scale="S", people=200, touchpoints=1500, now=moment)
        with committed():
            _date_dependent_people(workspace, start)
        followups_recompute_workspace(workspace=workspace)
        rows = list(FollowUp.objects.filter(workspace=workspace, state="open").order_by("key"))
        FollowUp.objects.filter(pk=rows[0].pk).update(state=State.DONE)
        until = start + dt.timedelta(days=4)
        FollowUp.objects.filter(pk=rows[1].pk).update(state="snoozed", snoozed_until=until)
    before = snapshot(workspace)
    everyone = Person.objects.filter(workspace=workspace).count()
    rolled: list[int] = []
    for n in range(1, 11):
        day = start + dt.timedelta(days=n)
        with time_machine.travel(dt.datetime.combine(day, dt.time(0, 5), tzinfo=dt.UTC)):
            rolled.append(followups_roll(workspace=workspace, since=day - dt.timedelta(days=1)))
            assert snapshot(workspace) == full_recompute(workspace), day
    assert snapshot(workspace) != before  # the walk moved items
    within_a_year = [
        count
        for n, count in enumerate(rolled, 1)
        if (start.year == (start + dt.timedelta(days=n)).year)
    ]
    assert max(within_a_year) < everyone / 10  # only the few whose items changed


def test_the_roll_recomputes_only_people_whose_item_changes_today(workspace, committed):
    start = dt.date(2025, 6, 3)
    with time_machine.travel(dt.datetime(2025, 6, 3, 12, tzinfo=dt.UTC), tick=False):
        with committed():
            _date_dependent_people(workspace, start)
        followups_recompute_workspace(workspace=workspace)
    from kontaktpflege.followups.services import roll_candidates

    # On June 5 Walk0's birthday week (from May 28) and Met5's seven days (met May 28) are
    # over; Hire0's anniversary (May 28, due a week later) still runs.
    ids = roll_candidates(workspace=workspace, today=dt.date(2025, 6, 5))
    names = set(Person.objects.filter(pk__in=ids).values_list("first_name", flat=True))
    assert names == {"Walk0", "Met5"}
    ids = roll_candidates(workspace=workspace, today=dt.date(2025, 6, 13))
    names = set(Person.objects.filter(pk__in=ids).values_list("first_name", flat=True))
    assert {"Hire0", "Walk5", "Met0"} <= names
    assert "Hire5" not in names  # due June 9, its week runs to June 16


def _queued_rolls():
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(task_path__endswith="followups_roll")


@pytest.mark.django_db(transaction=True)  # the worker opens its own transactions
def test_the_roll_waits_on_its_own_queue_for_a_worker_that_runs_it(workspace, settings):
    from django.core.management import call_command

    from kontaktpflege.followups.tasks import digest_dispatch

    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "roll"]}
    }
    digest_dispatch.enqueue()
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)  # the dispatch
    assert list(_queued_rolls().values_list("queue_name", "status")) == [("roll", "READY")]
    call_command("run_worker", "--batch", "--exclude-queues", "roll", verbosity=0)
    assert _queued_rolls().get().status == "READY"  # a sending worker leaves it
    call_command("run_worker", "--batch", "--queue-name", "roll", verbosity=0)
    assert _queued_rolls().get().status == "SUCCESSFUL"


def test_without_a_roll_queue_configured_the_roll_runs_on_the_default_one(workspace, settings):
    from kontaktpflege.followups.tasks import digest_dispatch

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    with time_machine.travel(NOW, tick=False):
        digest_dispatch.call()
    assert list(_queued_rolls().values_list("queue_name", flat=True)) == ["default"]


def test_a_worker_refuses_to_exclude_queues_from_named_ones():
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="exclude"):
        call_command("run_worker", "--batch", "--queue-name", "roll", "--exclude-queues", "x")


def test_the_days_roll_after_a_finished_one_is_incremental(workspace, monkeypatch):
    from kontaktpflege.followups import services, tasks
    from kontaktpflege.followups.notifications import roll_claim

    seen: list[dt.date | None] = []
    monkeypatch.setattr(
        services, "followups_roll", lambda *, workspace, since=None: seen.append(since) or 0
    )
    first, second = dt.date(2025, 6, 1), dt.date(2025, 6, 2)
    assert roll_claim(workspace=workspace, day=first)
    tasks.followups_roll.call(workspace.pk, first.isoformat())
    assert roll_claim(workspace=workspace, day=second)
    tasks.followups_roll.call(workspace.pk, second.isoformat())
    roll_claim(workspace=workspace, day=dt.date(2025, 6, 4))
    tasks.followups_roll.call(workspace.pk, "2025-06-04")
    assert seen == [None, first, second]


@pytest.mark.parametrize("from_scratch", [True, False])
def test_a_wanted_key_on_another_persons_row_is_kept_not_inserted_again(
    generated, from_scratch, monkeypatch
):
    """Rows a merge moved to another person keep their keys. A recompute of the person the
    keys name, in a chunk without that other person, finds them instead of failing on the
    duplicate key: a done one stays done and is not made again."""
    monkeypatch.setattr(services, "RECOMPUTE_CHUNK", 1)  # a chunk per person
    monkeypatch.setattr(services, "BUCKET_BITS", 0)  # chunks end at any id
    rows = FollowUp.objects.filter(workspace=generated, state=State.OPEN).order_by("key")
    done, still_open = rows[0], rows[len(rows) // 2]
    other = Person.objects.filter(workspace=generated).exclude(
        pk__in=[done.person_id, still_open.person_id]
    )[0]
    FollowUp.objects.filter(pk=done.pk).update(state=State.DONE, person=other)
    FollowUp.objects.filter(pk=still_open.pk).update(priority=-7, person=other)
    with time_machine.travel(NOW, tick=False):
        followups_recompute_workspace(workspace=generated, from_scratch=from_scratch)
        after = {r[0]: r for r in snapshot(generated)}
    assert after[done.key][1:5:3] == (other.pk, State.DONE)
    assert after[still_open.key][4] == State.OPEN
    assert after[still_open.key][8] > 0  # the item's priority, not -7
