"""Uploads are read by the worker: stored and queued by the request, previewed, failed or
cancelled while being read."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import TestCase

from kontaktpflege.contacts.models import Person
from kontaktpflege.dataio import services
from kontaktpflege.dataio.models import ImportJob
from kontaktpflege.dataio.tests.conftest import fixture_bytes


def stored_uploads(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT) / "imports"
    return [p for p in root.rglob("*") if p.is_file()]


def post_upload(client, name, data=None):
    file = SimpleUploadedFile(name, data if data is not None else fixture_bytes(name))
    return client.post("/data/import/", {"file": file, "format": "auto"})


def run_worker() -> None:
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)


@pytest.fixture
def database_queue(settings):
    """The production task backend: work waits in the database until a worker takes it."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.mark.django_db(transaction=True)
def test_the_upload_returns_before_the_file_is_read_and_the_worker_builds_the_preview(
    alice_client, database_queue, settings
):
    from django_tasks_db.models import DBTaskResult

    response = post_upload(alice_client, "linkedin_current.csv")
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response.url == f"/data/import/{job.pk}/"
    assert job.state == "parsing" and job.counts == {} and job.total_rows == 0
    assert len(stored_uploads(settings)) == 1
    assert DBTaskResult.objects.filter(status="READY").count() == 1  # waiting for the worker
    page = alice_client.get(response.url).content.decode()
    assert "Reading the file" in page and 'data-count="new"' not in page
    run_worker()
    job.refresh_from_db()
    assert job.state == "previewed" and job.counts["new"] == 10 and job.total_rows == 11
    page = alice_client.get(response.url).content.decode()
    assert 'data-count="new">10<' in page and "hidden or deleted members" in page


def test_the_reading_page_polls_with_htmx_refreshes_without_javascript_and_offers_cancel(
    alice_client, workspace, alice
):
    job = services.import_job_create(
        workspace=workspace, user=alice, data=fixture_bytes("linkedin_2021.csv"), filename="a.csv"
    )
    url = f"/data/import/{job.pk}/"
    page = alice_client.get(url).content.decode()
    assert f'hx-get="{url}" hx-trigger="every 1s"' in page
    assert '<noscript><meta http-equiv="refresh" content="2"></noscript>' in page
    assert f'<a href="{url}">Refresh</a>' in page
    assert f'action="/data/import/{job.pk}/cancel/"' in page
    assert 'name="confirm" value="1"' in page
    partial = alice_client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in partial and "Reading the file" in partial
    assert alice_client.get(f"/data/import/{job.pk}/progress/").url == url
    services.import_parse(job_id=job.pk)
    done = alice_client.get(url, HTTP_HX_REQUEST="true")
    assert done["HX-Redirect"] == url  # the poll loads the whole preview page
    assert 'data-count="new"' in alice_client.get(url).content.decode()


def test_a_file_that_cannot_be_read_fails_the_job_with_its_reason_and_deletes_it(
    alice_client, workspace, make_person, settings
):
    from kontaktpflege.dataio.tests.test_import_service import snapshot

    make_person(first_name="Bestand", last_name="Person")
    before = snapshot()
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = post_upload(alice_client, "contacts.csv", bytes(range(256)) * 40)
    job = ImportJob.objects.get()
    assert job.state == "failed" and job.finished_at and not job.file
    assert "not a text file" in job.error
    assert stored_uploads(settings) == []
    assert snapshot() == before
    page = alice_client.get(response.url, follow=True).content.decode()
    assert "not a text file" in page
    assert "Nothing was imported and the uploaded file was deleted." in page
    assert 'hx-trigger="every 1s"' not in page
    with pytest.raises(ValidationError, match="cannot be started"):
        services.import_confirm(job=job)


def test_an_unexpected_error_while_reading_fails_the_job_with_a_plain_message(
    workspace, alice, monkeypatch, caplog
):
    def broken(**kwargs):
        raise RuntimeError("segment 0xdeadbeef")

    monkeypatch.setattr(services, "parse_upload", broken)
    job = services.import_job_create(
        workspace=workspace, user=alice, data=fixture_bytes("linkedin_2021.csv"), filename="a.csv"
    )
    services.import_parse(job_id=job.pk)
    job.refresh_from_db()
    assert job.state == "failed" and not job.file
    assert job.error.startswith("The file could not be read because of an unexpected error")
    assert "deadbeef" not in job.error and "deadbeef" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_cancel_while_waiting_for_the_worker_discards_the_upload_and_nothing_is_read(
    alice_client, database_queue, settings, workspace
):
    response = post_upload(alice_client, "linkedin_current.csv")
    job = ImportJob.objects.get()
    cancelled = alice_client.post(f"/data/import/{job.pk}/cancel/", {"confirm": "1"})
    assert cancelled.url == "/data/"
    job.refresh_from_db()
    assert job.state == "cancelled" and not job.file
    assert stored_uploads(settings) == []
    run_worker()  # the queued read finds nothing to do
    job.refresh_from_db()
    assert job.state == "cancelled" and job.counts == {} and not job.error
    assert not Person.objects.filter(workspace=workspace, user__isnull=True).exists()
    assert alice_client.get(response.url).url == f"/data/import/{job.pk}/progress/"


def test_cancel_during_the_read_keeps_the_job_cancelled(
    workspace, alice, monkeypatch, settings, django_capture_on_commit_callbacks
):
    job = services.import_job_create(
        workspace=workspace, user=alice, data=fixture_bytes("linkedin_2021.csv"), filename="a.csv"
    )
    real = services.build_plan

    def cancel_first(**kwargs):
        services.import_cancel(job=ImportJob.objects.get(pk=job.pk))
        return real(**kwargs)

    monkeypatch.setattr(services, "build_plan", cancel_first)
    with django_capture_on_commit_callbacks(execute=True):
        services.import_parse(job_id=job.pk)
    job.refresh_from_db()
    assert job.state == "cancelled" and job.counts == {} and job.total_rows == 0
    assert not job.file and stored_uploads(settings) == []


def test_a_new_column_mapping_is_read_again_by_the_worker(
    workspace, alice, django_capture_on_commit_callbacks
):
    job = services.import_job_create(
        workspace=workspace,
        user=alice,
        data=fixture_bytes("generic_mapping.csv"),
        filename="generic_mapping.csv",
    )
    services.import_parse(job_id=job.pk)
    job.refresh_from_db()
    assert job.state == "needs_mapping"
    with django_capture_on_commit_callbacks() as callbacks:
        services.import_mapping_set(job=job, columns={"0": "full_name", "1": "organisation"})
    assert len(callbacks) == 1  # the read is queued, not done in the request
    job.refresh_from_db()
    assert job.state == "parsing" and job.counts == {}
    services.import_parse(job_id=job.pk)
    job.refresh_from_db()
    assert job.state == "previewed" and job.counts["new"] == 2


def test_a_mapping_sent_after_the_import_started_changes_nothing(workspace, alice):
    job = services.import_job_create(
        workspace=workspace,
        user=alice,
        data=fixture_bytes("generic_mapping.csv"),
        filename="generic_mapping.csv",
    )
    services.import_parse(job_id=job.pk)
    services.import_mapping_set(job=ImportJob.objects.get(pk=job.pk), columns={"0": "full_name"})
    services.import_parse(job_id=job.pk)
    stale = ImportJob.objects.get(pk=job.pk)
    services.import_confirm(job=ImportJob.objects.get(pk=job.pk))
    with pytest.raises(ValidationError, match="cannot be changed \\(it is Waiting\\)"):
        services.import_mapping_set(job=stale, columns={"0": "last_name"})
    job.refresh_from_db()
    assert job.state == "queued" and job.mapping["columns"] == {"0": "full_name"}
