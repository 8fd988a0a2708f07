"""The follow-ups an import leaves: the worker's bulk refresh against the ORM refresh."""

from __future__ import annotations

import datetime as dt

import pytest

from kontaktpflege.accounts.models import Workspace
from kontaktpflege.bench import rows as snapshots
from kontaktpflege.contacts.models import Person
from kontaktpflege.dataio import bench
from kontaktpflege.followups import services
from kontaktpflege.followups.models import FollowUp, State


@pytest.fixture
def queued_tasks(settings):
    """Tasks go to the database queue, as in production; the bench runs the worker loop."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def followups(workspace: Workspace) -> list[tuple]:
    return list(
        FollowUp.objects.filter(workspace=workspace)
        .order_by("key")
        .values_list(
            "key", "person_id", "rule", "state", "due_on", "original_due_on", "window_end",
            "priority", "params", "snoozed_until",
        )
    )  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_an_import_leaves_the_followups_the_orm_refresh_would_leave(queued_tasks, monkeypatch):
    workspace = Workspace.objects.create(name="import refresh test")
    existing = bench._people(60, seed=5)
    bench._existing(workspace, existing)
    ids = list(
        Person.objects.filter(workspace=workspace).order_by("pk").values_list("pk", flat=True)
    )
    # Sorted people with items of their own: some snoozed, one the facts no longer back.
    Person.objects.filter(pk__in=ids[:40:2]).update(circle="core")
    Person.objects.filter(pk__in=ids[1:40:2]).update(circle="network")
    services.followups_refresh_people(person_ids=ids)
    rows = list(FollowUp.objects.filter(workspace=workspace).order_by("key"))
    assert len(rows) > 10
    for row in rows[:6:2]:
        until = dt.date.today() + dt.timedelta(days=9)
        FollowUp.objects.filter(pk=row.pk).update(state=State.SNOOZED, snoozed_until=until)
    FollowUp.objects.filter(pk=rows[1].pk).update(key=f"keep_in_touch:{rows[1].person_id}:old")
    data = bench._csv(existing[:30] + bench._people(30, seed=6))
    scopes = snapshots.workspace_scopes(workspace.pk)
    before = snapshots.snapshot(scopes)
    prior = followups(workspace)

    bench._import(workspace, data)
    bulk = followups(workspace)
    snapshots.apply(snapshots.changes(before, snapshots.snapshot(scopes)).reversed())
    monkeypatch.setattr(
        services,
        "followups_refresh_bulk",
        lambda *, person_ids: services.followups_refresh_people(person_ids=person_ids),
    )
    bench._import(workspace, data)
    orm = followups(workspace)

    assert bulk == orm
    assert bulk != prior  # the import changed the matched people's items
    assert {r[3] for r in bulk} == {"open", "snoozed"}
