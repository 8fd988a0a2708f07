"""An import job's life: confirmed once, run once, failing cleanly, its upload removed."""

from __future__ import annotations

import logging

import pytest
from django.core.exceptions import ValidationError

from kontaktpflege.contacts.models import Person
from kontaktpflege.dataio import services
from kontaktpflege.dataio.models import ImportJob
from kontaktpflege.dataio.tests.conftest import fixture_bytes


@pytest.fixture
def job(workspace, alice):
    """A previewed upload: stored by the request, read by the worker."""
    created = services.import_job_create(
        workspace=workspace,
        user=alice,
        data=fixture_bytes("linkedin_current.csv"),
        filename="linkedin_current.csv",
    )
    services.import_parse(job_id=created.pk)
    return ImportJob.objects.get(pk=created.pk, state="previewed")


def test_a_double_click_on_confirm_queues_one_import(job, django_capture_on_commit_callbacks):
    first, second = ImportJob.objects.get(pk=job.pk), ImportJob.objects.get(pk=job.pk)
    with django_capture_on_commit_callbacks() as callbacks:
        services.import_confirm(job=first)
        with pytest.raises(ValidationError, match="cannot be started \\(it is Waiting\\)"):
            services.import_confirm(job=second)
    assert len(callbacks) == 1
    assert ImportJob.objects.get(pk=job.pk).state == "queued"


def test_a_duplicate_task_for_one_job_imports_once(job, monkeypatch, workspace):
    calls = []
    real = services.import_data

    def counting(**kwargs):
        calls.append(kwargs["filename"])
        services.import_run(job_id=job.pk)  # the duplicate task starts while the first runs
        return real(**kwargs)

    monkeypatch.setattr(services, "import_data", counting)
    services.import_confirm(job=job)
    people = Person.objects.filter(workspace=workspace).count()
    services.import_run(job_id=job.pk)
    services.import_run(job_id=job.pk)  # and once more after it finished
    assert calls == ["linkedin_current.csv"]
    job.refresh_from_db()
    assert job.state == "done" and job.counts["new"] == 10
    assert Person.objects.filter(workspace=workspace).count() == people + 10


def test_an_unexpected_error_fails_the_job_with_a_plain_message(
    job, monkeypatch, workspace, caplog
):
    def broken(**kwargs):
        raise RuntimeError("connection reset by peer at 0xdeadbeef")

    monkeypatch.setattr(services, "import_data", broken)
    services.import_confirm(job=job)
    people = Person.objects.filter(workspace=workspace).count()
    with caplog.at_level(logging.ERROR, logger="kontaktpflege.dataio.services"):
        services.import_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.state == "failed" and job.finished_at is not None and not job.is_active
    assert job.error.startswith("The import stopped because of an unexpected error.")
    assert "deadbeef" not in job.error
    assert "connection reset" in caplog.text  # the details go to the log
    assert Person.objects.filter(workspace=workspace).count() == people


def stored_uploads(settings):
    from pathlib import Path

    return [p for p in (Path(settings.MEDIA_ROOT) / "imports").rglob("*") if p.is_file()]


@pytest.mark.parametrize("outcome", ["done", "failed", "cancelled"])
def test_the_upload_is_deleted_when_the_import_ends(
    job, outcome, monkeypatch, settings, django_capture_on_commit_callbacks
):
    assert len(stored_uploads(settings)) == 1
    if outcome == "failed":
        monkeypatch.setattr(services, "import_data", lambda **kw: 1 / 0)
    if outcome == "cancelled":
        real = services.import_data

        def cancel_first(**kwargs):
            services.import_cancel(job=ImportJob.objects.get(pk=job.pk))
            assert len(stored_uploads(settings)) == 1  # still needed while running
            return real(**kwargs)

        monkeypatch.setattr(services, "import_data", cancel_first)
    services.import_confirm(job=job)
    with django_capture_on_commit_callbacks(execute=True):
        services.import_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.state == outcome and not job.file
    assert stored_uploads(settings) == []


def test_discarding_a_preview_deletes_its_upload_and_imports_nothing(
    job, settings, workspace, django_capture_on_commit_callbacks
):
    people = Person.objects.filter(workspace=workspace).count()
    with django_capture_on_commit_callbacks(execute=True):
        services.import_cancel(job=job)
    assert job.state == "cancelled" and job.finished_at and not job.file
    assert stored_uploads(settings) == []
    assert Person.objects.filter(workspace=workspace).count() == people
    with pytest.raises(ValidationError, match="cannot be started"):
        services.import_confirm(job=job)
