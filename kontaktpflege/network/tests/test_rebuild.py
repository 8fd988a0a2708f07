"""A change to a large workspace's graph has the worker rebuild it without waiting for a page
to ask: once per transaction, and debounced across transactions (an import's chunks commit
one after another and queue one build); its snapshots are removed once stale or orphaned."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from kontaktpflege.contacts.services import relationship_set
from kontaktpflege.network import graph, services, tasks
from kontaktpflege.network.services import graph_stamp_get


def _queued(workspace) -> list[DBTaskResult]:
    rows = DBTaskResult.objects.filter(
        task_path=tasks.graph_prepare.module_path, status=TaskResultStatus.READY
    )
    return [r for r in rows if r.args_kwargs["args"] == [workspace.pk]]


@pytest.fixture
def queue(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def large(settings):
    settings.GRAPH_IN_REQUEST_PEOPLE = 2


@pytest.mark.django_db(transaction=True)
def test_an_import_into_a_large_workspace_queues_one_rebuild_not_one_per_chunk(
    workspace, queue, large, monkeypatch
):
    from kontaktpflege.dataio import bulk
    from kontaktpflege.dataio.services import import_data
    from kontaktpflege.dataio.tests.conftest import fixture_bytes

    chunks = bulk._chunks
    monkeypatch.setattr(bulk, "_chunks", lambda rows, size: chunks(rows, 2))
    before = timezone.now()
    import_data(
        workspace=workspace,
        data=fixture_bytes("linkedin_current.csv"),
        filename="Connections.csv",
        fmt="linkedin",
    )
    queued = _queued(workspace)
    assert len(queued) == 1  # five chunks, five commits, one build
    assert queued[0].run_after > before + dt.timedelta(seconds=services.REBUILD_AFTER / 2)
    assert queued[0].run_after <= queued[0].enqueued_at + dt.timedelta(
        seconds=services.REBUILD_AT_MOST
    )
    DBTaskResult.objects.filter(pk=queued[0].pk).update(run_after=timezone.now())
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    assert graph.snapshot_path(workspace.pk, graph_stamp_get(workspace.pk)).exists()
    assert _queued(workspace) == []


@pytest.mark.django_db(transaction=True)
def test_a_change_once_the_build_is_under_way_queues_the_next_one(workspace, queue, large, net):
    relationship_set(a=net.anna, b=net.bernd, strength=2)
    (first,) = _queued(workspace)
    DBTaskResult.objects.filter(pk=first.pk).update(status=TaskResultStatus.RUNNING)
    relationship_set(a=net.anna, b=net.bernd, strength=3)
    assert [r.pk for r in _queued(workspace)] != [first.pk] and len(_queued(workspace)) == 1


@pytest.mark.django_db(transaction=True)
def test_a_debounced_build_is_never_pushed_past_its_latest_start(workspace, queue, large, net):
    relationship_set(a=net.anna, b=net.bernd, strength=2)
    (first,) = _queued(workspace)
    long_ago = timezone.now() - dt.timedelta(seconds=services.REBUILD_AT_MOST * 2)
    DBTaskResult.objects.filter(pk=first.pk).update(enqueued_at=long_ago)
    relationship_set(a=net.anna, b=net.bernd, strength=4)
    (again,) = _queued(workspace)
    assert again.pk == first.pk and again.run_after <= timezone.now()


@pytest.mark.django_db(transaction=True)
def test_changes_in_one_transaction_ask_once_and_a_rollback_asks_nothing(
    workspace, large, net, monkeypatch
):
    asked: list[int] = []
    monkeypatch.setattr(services, "graph_rebuild_enqueue", asked.append)
    with transaction.atomic():
        relationship_set(a=net.anna, b=net.bernd, strength=2)
        relationship_set(a=net.anna, b=net.carl, strength=2)
    assert asked == [workspace.pk]
    with pytest.raises(RuntimeError), transaction.atomic():
        relationship_set(a=net.anna, b=net.dora, strength=2)
        raise RuntimeError
    assert asked == [workspace.pk]
    with transaction.atomic():  # a rolled-back savepoint takes its hook along, not the next
        with pytest.raises(RuntimeError), transaction.atomic():
            relationship_set(a=net.anna, b=net.dora, strength=2)
            raise RuntimeError
        relationship_set(a=net.anna, b=net.dora, strength=3)
    assert asked == [workspace.pk, workspace.pk]


@pytest.mark.django_db(transaction=True)
def test_a_small_workspace_queues_no_build(workspace, queue, net):
    relationship_set(a=net.anna, b=net.bernd, strength=2)
    assert _queued(workspace) == []


@pytest.mark.django_db
def test_housekeeping_removes_stale_versions_and_deleted_workspaces_snapshots(
    workspace, charlie, net, settings, tmp_path
):
    from kontaktpflege.accounts.models import Workspace

    services.graph_prepare(workspace.pk)
    other = charlie.active_workspace
    services.graph_prepare(other.pk)
    current = graph.snapshot_path(workspace.pk, graph_stamp_get(workspace.pk))
    orphan = graph.snapshot_path(other.pk, graph_stamp_get(other.pk))
    stale = graph.snapshot_path(workspace.pk, 12345)  # a version left by a crashed write
    stale.write_bytes(current.read_bytes())
    Workspace.objects.filter(pk=other.pk).delete()
    assert tasks.graph_snapshots_tidy.call() == 2
    assert current.exists() and not orphan.exists() and not stale.exists()
    assert "kontaktpflege.network.tasks.graph_snapshots_tidy" in settings.PERIODIC_TASKS
