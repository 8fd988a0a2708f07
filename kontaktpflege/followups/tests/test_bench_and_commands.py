"""The bench scenarios at small scale, and the management commands."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client

from kontaktpflege.bench.registry import SCENARIOS, BenchContext
from kontaktpflege.followups import bench
from kontaktpflege.followups.models import FollowUp, State
from kontaktpflege.followups.selectors import agenda_queryset

from .conftest import berlin

pytestmark = pytest.mark.django_db


class ClientHttp:
    """A requests-like adapter over django.test.Client (status attribute)."""

    def __init__(self, client: Client):
        self.client = client

    def get(self, url: str):
        response = self.client.get(url)
        response.status = response.status_code
        return response


def spread(make_person, committed, n=40):
    with committed():
        for i in range(n):
            make_person(first_name=f"P{i}", circle=("core", "active", "network")[i % 3])
    for i, row in enumerate(FollowUp.objects.order_by("id")):
        row.due_on = dt.date(2025, 6, 2) + dt.timedelta(days=(i % 20) - 12)
        row.state = State.SNOOZED if i % 7 == 0 else State.OPEN
        row.save()


@time_machine.travel(berlin(2025, 6, 2, 9), tick=False)
def test_the_floor_query_returns_the_agendas_rows(workspace, make_person, committed):
    spread(make_person, committed)
    today = dt.date(2025, 6, 2)
    for per_group in (3, 50):
        ids = bench.floor_ids(workspace.pk, today, per_group)
        assert ids and ids == bench.orm_ids(workspace, today, per_group)
    assert len(bench.floor_ids(workspace.pk, today, 3)) == 3 + 2 + 3  # today has only two


@time_machine.travel(berlin(2025, 6, 2, 9), tick=False)
def test_the_floor_lists_the_items_of_the_default_page_in_its_order(
    alice, alice_client, workspace, make_person, committed
):
    spread(make_person, committed)
    today = dt.date(2025, 6, 2)
    ids = bench.floor_ids(workspace.pk, today, total=bench.PAGE_ITEMS)
    assert len(ids) == bench.PAGE_ITEMS
    assert bench.shown_ids(alice_client.get("/").content.decode()) == ids


@time_machine.travel(berlin(2025, 6, 2, 9), tick=False)
def test_the_scenarios_run_at_small_scale(alice, alice_client, workspace, make_person, committed):
    spread(make_person, committed)
    ctx = BenchContext(
        scale="S",
        workspace=workspace,
        user=alice,
        http=ClientHttp(alice_client),
        repeat=3,
        extra={"recompute_runs": 3},
    )
    today_fn, _ = SCENARIOS["today"]
    recompute_fn, _ = SCENARIOS["recompute"]
    rows = today_fn(ctx)
    assert [r.name[-3:] for r in rows] == ["p50", "p95"]
    assert all(r.figure > 0 and r.floor is not None and r.floor > 0 for r in rows)
    bench.followups_recompute_workspace(workspace=workspace)  # puts the spread rows right
    before = snapshot_rows(workspace)
    rows = recompute_fn(ctx)
    assert [r.name[-3:] for r in rows] == ["p50", "p95", "p50", "p95"]
    assert "into an empty table" in rows[2].name
    assert all(r.figure > 0 and r.floor is not None and r.floor > 0 for r in rows)
    assert "3 runs" in rows[0].note and "3 runs" in rows[2].note
    # Rows already right stay, and the runs into an empty table put the rows back.
    assert snapshot_rows(workspace) == before


def snapshot_rows(workspace) -> list[tuple]:
    """Every column of the workspace's follow-ups, row by row."""
    rows = FollowUp.objects.filter(workspace=workspace).order_by("pk")
    return list(rows.values_list(*(f.attname for f in FollowUp._meta.concrete_fields)))


def one_row(workspace, person_id: int) -> FollowUp:
    """A follow-up of its own (rule and key "x") for the person."""
    day = dt.date(2025, 6, 2)
    return FollowUp.objects.create(
        workspace=workspace, person_id=person_id, rule="x", key="x", due_on=day, original_due_on=day
    )


@pytest.mark.django_db(transaction=True)
@time_machine.travel(berlin(2025, 6, 2, 9), tick=False)
def test_the_recompute_into_an_empty_table_runs_committed_and_puts_the_rows_back(
    workspace, make_person, committed, monkeypatch
):
    spread(make_person, committed, n=12)
    FollowUp.objects.filter(pk=FollowUp.objects.order_by("pk")[1].pk).update(
        state=State.SKIPPED, skip_reason="away"
    )
    before = snapshot_rows(workspace)
    seen = []

    def recompute(*, workspace):
        # Each run starts from a committed table without the workspace's rows, outside
        # any transaction (as after an import: the recompute may use its processes).
        seen.append(
            (connection.in_atomic_block, FollowUp.objects.filter(workspace=workspace).count())
        )
        return recompute_workspace(workspace=workspace)

    recompute_workspace = bench.followups_recompute_workspace
    monkeypatch.setattr(bench, "followups_recompute_workspace", recompute)
    newest = one_row(workspace, before[0][4])
    last_id = newest.pk
    newest.delete()  # the sequence stands past every row
    # A run that died half-way left the rows in the scratch table: they come back first.
    bench._save_followups(workspace.pk)
    FollowUp.objects.filter(workspace=workspace).delete()
    timings = bench.time_into_empty(workspace, 2)
    assert len(timings) == 2 and seen == [(False, 0), (False, 0)]
    assert snapshot_rows(workspace) == before
    assert bench.SAVED_TABLE not in connection.introspection.table_names()
    # The id sequence is where it stood: the next row gets the id after the deleted one.
    made = one_row(workspace, before[0][4])
    assert made.pk == last_id + 1


def test_today_with_200_due_items_is_timed_beside_its_floor_and_leaves_no_rows(alice, workspace):
    from kontaktpflege.accounts.models import User
    from kontaktpflege.contacts.models import Person

    before = (User.objects.count(), Person.objects.count(), FollowUp.objects.count())
    ctx = BenchContext(scale="S", workspace=workspace, user=alice, repeat=2)
    fn, scales = SCENARIOS["today_200"]
    rows = fn(ctx)
    assert "S" in scales
    assert [r.name for r in rows] == [
        f"Today with 200 due items, {page}, server render p{p}"
        for page in ("default page", "show all")
        for p in (50, 95)
    ]
    assert all(r.figure > 0 and r.floor is not None and r.floor > 0 for r in rows)
    assert rows[1].note.endswith("10 items on the page")  # the default page's cap
    assert rows[3].note.endswith("200 items on the page") and rows[3].target == "p95 < 100 ms"
    assert (User.objects.count(), Person.objects.count(), FollowUp.objects.count()) == before


@time_machine.travel(berlin(2025, 6, 2, 9), tick=False)
def test_the_recompute_floor_yields_the_items_the_recompute_left(workspace, make_person, committed):
    spread(make_person, committed)
    FollowUp.objects.filter(pk=FollowUp.objects.order_by("id").first().pk).update(state=State.DONE)
    keys = bench.engine_keys(*bench.collected_facts(workspace))
    bench.followups_recompute_workspace(workspace=workspace)
    active = set(
        FollowUp.objects.filter(workspace=workspace).active().values_list("key", flat=True)
    )
    assert active and active <= keys
    assert keys <= set(FollowUp.objects.filter(workspace=workspace).values_list("key", flat=True))
    bench.check_recompute(workspace, keys)
    with pytest.raises(RuntimeError):
        bench.check_recompute(workspace, keys - {next(iter(active))})


@time_machine.travel(berlin(2025, 6, 2, 9), tick=False)
def test_recompute_and_show_today_commands(alice, workspace, make_person, committed):
    with committed():
        make_person(circle="core")
    FollowUp.objects.all().delete()
    out = io.StringIO()
    call_command("recompute_followups", stdout=out)
    assert "1 active follow-ups" in out.getvalue()
    FollowUp.objects.update(due_on=dt.date(2025, 6, 1))
    out = io.StringIO()
    call_command("show_today", "--user", "alice", stdout=out)
    assert "Overdue (1)" in out.getvalue() and "Thomas Müller: Thomas was added" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("show_today", "--user", "nobody")
    with pytest.raises(CommandError):
        call_command("recompute_followups", "--workspace", "999999")


def test_the_scheduler_tick_enqueues_the_dispatch(alice, workspace):
    from kontaktpflege.core import scheduler
    from kontaktpflege.followups.models import RollLog

    scheduler.tick()  # immediate backend in tests: runs the dispatch at once
    assert RollLog.objects.filter(workspace=workspace).count() == 1
    scheduler.tick()
    assert RollLog.objects.filter(workspace=workspace).count() == 1


@time_machine.travel(berlin(2025, 6, 2, 9), tick=False)
def test_the_floor_query_keeps_late_suggestions_in_today_as_the_agenda_does(
    workspace, make_person, committed
):
    spread(make_person, committed)
    today = dt.date(2025, 6, 2)
    late = FollowUp.objects.filter(due_on__lt=today).order_by("id")
    for i, row in enumerate(late[:6]):
        row.rule = ("reactivation", "birthday", "reciprocity")[i % 3]
        row.save()
    for per_group in (3, 50):
        ids = bench.floor_ids(workspace.pk, today, per_group)
        assert ids and ids == bench.orm_ids(workspace, today, per_group)
    for total in (4, 10):
        ids = bench.floor_ids(workspace.pk, today, total=total)
        assert len(ids) == total and ids == bench.orm_ids(workspace, today, total=total)
    rows = agenda_queryset(workspace=workspace, today=today, per_group=50)
    today_ids = [f.pk for f in rows if f.grp == 1]  # type: ignore[attr-defined]
    assert {row.pk for row in late[:6]} <= set(today_ids)
