"""The import benchmark: timed until the follow-ups are done, its floor writes the same rows."""

from __future__ import annotations

import pytest
from django_tasks_db.models import DBTaskResult

from kontaktpflege.accounts.models import Workspace
from kontaktpflege.bench import rows as snapshots
from kontaktpflege.bench.registry import SCENARIOS, BenchContext
from kontaktpflege.contacts.models import Person
from kontaktpflege.dataio import bench
from kontaktpflege.followups.models import FollowUp

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def queued_tasks(settings):
    """Tasks go to the database queue, as in production; the bench runs the worker loop."""
    settings.TASKS = DB_TASKS


@pytest.mark.django_db(transaction=True)
def test_the_import_is_timed_until_its_followups_are_done_and_the_floor_writes_its_rows(
    queued_tasks,
):
    workspace = Workspace.objects.create(name="import bench test")
    existing = bench._people(40, seed=5)
    bench._existing(workspace, existing)
    data = bench._csv(existing[:20] + bench._people(20, seed=6))
    scopes = snapshots.workspace_scopes(workspace.pk)
    before = snapshots.snapshot(scopes)

    seconds, floors, counts, diff = bench.import_and_floor(workspace, data, runs=2)

    assert len(seconds) == len(floors) == 2 and all(s > 0 for s in seconds + floors)
    assert counts["new"] == 20 and counts["updated"] == 20
    # The diff was taken when the timed import ended: the refresh had run by then, for the
    # matched people; the new ones are unsorted and wait for triage (no follow-ups of their own).
    followups = diff.inserted["followups_followup"]
    updated = {new[0] for _old, new in diff.updated["contacts_person"]}
    assert len(updated) == 20
    assert {row[diff.columns["followups_followup"].index("person_id")] for row in followups} == (
        updated
    )
    people = diff.inserted["contacts_person"]
    assert len(people) == 20
    column = diff.columns["contacts_person"].index
    assert all(row[column("search_text")] for row in people)
    assert {(row[column("circle")], row[column("origin")]) for row in people} == {
        ("unsorted", "import")
    }
    assert all(row[column("known_since")] for row in people)  # from "Connected On"
    assert not DBTaskResult.objects.ready().exists()
    # Each run (and each floor) was undone: the workspace is as it was.
    assert snapshots.snapshot(scopes).rows == before.rows


@pytest.mark.django_db(transaction=True)
def test_a_floor_that_leaves_out_rows_is_told_apart(queued_tasks):
    workspace = Workspace.objects.create(name="import bench test")
    existing = bench._people(10, seed=5)
    bench._existing(workspace, existing)
    scopes = snapshots.workspace_scopes(workspace.pk)
    before = snapshots.snapshot(scopes)
    # Matched people get their follow-ups from the import's refresh (new ones are unsorted).
    bench._import(workspace, bench._csv(existing[:5] + bench._people(5, seed=6)))
    after = snapshots.snapshot(scopes)
    diff = snapshots.changes(before, after)
    assert diff.inserted["followups_followup"]
    snapshots.apply(diff.reversed())
    assert snapshots.snapshot(scopes).rows == before.rows
    diff.inserted["followups_followup"] = []  # a floor that skips the follow-ups
    snapshots.apply(diff)
    assert snapshots.snapshot(scopes).rows != after.rows


@pytest.mark.django_db(transaction=True)
def test_the_linkedin_import_scenario_runs_at_scale_s_and_leaves_nothing(queued_tasks):
    run, scales = SCENARIOS["import_linkedin"]
    assert "M" in scales
    results = run(BenchContext(scale="S", workspace=None, user=None, extra={"import_runs": 1}))
    assert [r.unit for r in results] == ["rows/s", "rows/s"]
    assert all(r.figure > 0 and r.floor for r in results)
    assert "new 500, updated 500" in results[0].note and "follow-ups" in results[0].note
    assert not Workspace.objects.exists() and not Person.objects.exists()
    assert not FollowUp.objects.exists() and not DBTaskResult.objects.exists()
