"""An import whose worker went silent is started again; live and finished ones are left alone.

The end-to-end case (a worker killed with SIGKILL mid-import, every row once after the
restart) is in kontaktpflege/core/tests/test_faults.py.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from kontaktpflege.dataio.models import ImportJob, ImportState
from kontaktpflege.dataio.services import import_recover_stale


@pytest.fixture
def db_queue(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def _job(workspace, state: str, minutes_ago: int) -> ImportJob:
    job = ImportJob.objects.create(workspace=workspace, filename="Connections.csv", state=state)
    ImportJob.objects.filter(pk=job.pk).update(
        updated_at=timezone.now() - dt.timedelta(minutes=minutes_ago)
    )
    return job


@pytest.mark.django_db
def test_a_silent_running_import_goes_back_to_the_queue_with_a_new_task(
    workspace, db_queue, django_capture_on_commit_callbacks
):
    silent = _job(workspace, ImportState.RUNNING, minutes_ago=30)
    lost = _job(workspace, ImportState.QUEUED, minutes_ago=30)
    live = _job(workspace, ImportState.RUNNING, minutes_ago=1)
    done = _job(workspace, ImportState.DONE, minutes_ago=30)
    with django_capture_on_commit_callbacks(execute=True):
        assert import_recover_stale(older_than=dt.timedelta(minutes=10)) == 2
    states = dict(ImportJob.objects.values_list("pk", "state"))
    assert states == {silent.pk: "queued", lost.pk: "queued", live.pk: "running", done.pk: "done"}
    tasks = DBTaskResult.objects.filter(task_path="kontaktpflege.dataio.tasks.import_run_task")
    assert sorted(t.args_kwargs["args"][0] for t in tasks) == sorted([silent.pk, lost.pk])
    # A second recovery right after finds nothing: the jobs were just stamped.
    with django_capture_on_commit_callbacks(execute=True):
        assert import_recover_stale(older_than=dt.timedelta(minutes=10)) == 0


@pytest.mark.django_db
def test_the_recovery_is_a_periodic_task_of_the_scheduler(settings):
    assert "kontaktpflege.dataio.tasks.import_recover" in settings.PERIODIC_TASKS
