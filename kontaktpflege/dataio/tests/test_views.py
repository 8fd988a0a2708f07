"""The import/export pages: two-step import, mapping, progress, exports, merge, access."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase

from kontaktpflege.accounts.services import membership_add
from kontaktpflege.contacts.models import Person
from kontaktpflege.dataio.models import ImportJob
from kontaktpflege.dataio.tests.conftest import fixture_bytes


def upload(client, name, data=None, fmt="auto"):
    """Upload as a browser does; the worker (the tests' immediate backend) then reads the file."""
    file = SimpleUploadedFile(name, data if data is not None else fixture_bytes(name))
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post("/data/import/", {"file": file, "format": fmt})


def test_the_page_offers_upload_export_and_backup(alice_client):
    page = alice_client.get("/data/").content.decode()
    assert 'action="/data/import/"' in page
    assert "/data/export/?format=xlsx" in page
    assert "/data/backup/" in page


def test_upload_shows_a_preview_and_saves_nothing_until_confirmed(
    alice_client, workspace, django_capture_on_commit_callbacks
):
    people = Person.objects.count()
    response = upload(alice_client, "linkedin_current.csv")
    job = ImportJob.objects.get()
    assert response.url == f"/data/import/{job.pk}/"
    page = alice_client.get(response.url).content.decode()
    assert 'data-count="new">10<' in page
    assert 'data-count="invalid">1<' in page
    assert "hidden or deleted members" in page
    assert Person.objects.count() == people
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(f"/data/import/{job.pk}/confirm/")
    assert response.url == f"/data/import/{job.pk}/progress/"
    job.refresh_from_db()
    assert job.state == "done" and job.counts["new"] == 10
    assert Person.objects.count() == people + 10
    page = alice_client.get(response.url).content.decode()
    assert "100%" in page and "hx-trigger" not in page


def test_the_progress_page_polls_with_htmx_and_links_a_refresh_without_js(
    alice_client, workspace, alice
):
    job = ImportJob.objects.create(
        workspace=workspace, filename="x.csv", state="running", total_rows=10, processed_rows=4
    )
    page = alice_client.get(f"/data/import/{job.pk}/progress/").content.decode()
    assert 'hx-trigger="every 1s"' in page
    assert f'href="/data/import/{job.pk}/progress/"' in page
    assert "40%" in page
    partial = alice_client.get(
        f"/data/import/{job.pk}/progress/", HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "<html" not in partial and "40%" in partial


def test_cancel_stops_a_running_import(alice_client, workspace):
    job = ImportJob.objects.create(workspace=workspace, filename="x.csv", state="running")
    alice_client.post(f"/data/import/{job.pk}/cancel/")
    job.refresh_from_db()
    assert job.cancel_requested


def test_a_bad_upload_shows_the_message_on_the_form(alice_client):
    response = upload(alice_client, "empty.csv", b"")
    assert response.status_code == 400
    assert "empty" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_unknown_columns_lead_to_the_mapping_screen_which_is_remembered(alice_client, workspace):
    response = upload(alice_client, "generic_mapping.csv")
    job = ImportJob.objects.get()
    assert response.url == f"/data/import/{job.pk}/"
    mapping_url = alice_client.get(response.url).url
    assert mapping_url == f"/data/import/{job.pk}/mapping/"
    page = alice_client.get(mapping_url).content.decode()
    assert "Arbeitgeber" in page
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = alice_client.post(
            mapping_url,
            {"col_0": "full_name", "col_1": "organisation", "col_2": "emails", "remember": "on"},
        )
    assert response.url == f"/data/import/{job.pk}/"
    job.refresh_from_db()
    assert job.state == "previewed" and job.counts["new"] == 2
    second = upload(alice_client, "generic_mapping.csv")
    assert second.url.endswith(f"/data/import/{job.pk + 1}/")
    assert ImportJob.objects.get(pk=job.pk + 1).state == "previewed"


def test_a_mapping_without_a_name_column_is_explained(alice_client):
    upload(alice_client, "generic_mapping.csv")
    job = ImportJob.objects.get()
    page = alice_client.post(
        f"/data/import/{job.pk}/mapping/", {"col_1": "organisation"}
    ).content.decode()
    assert "Choose which column holds the first, last or full name." in page
    job.refresh_from_db()
    assert job.state == "needs_mapping"


def test_the_export_honours_the_people_list_filters(alice_client, make_person):
    make_person(first_name="Anna", last_name="Filter", notes="musterwerk")
    make_person(first_name="Otto", last_name="Nicht")
    body = b"".join(
        alice_client.get("/data/export/?format=csv&q=musterwerk").streaming_content
    ).decode()
    assert "Filter" in body and "Nicht" not in body
    vcf = b"".join(alice_client.get("/data/export/?format=vcard3").streaming_content).decode()
    assert "VERSION:3.0" in vcf and "Nicht" in vcf
    xlsx = alice_client.get("/data/export/?format=xlsx")
    assert xlsx["Content-Type"].startswith("application/vnd.openxml")


def test_the_export_runs_a_fixed_number_of_queries(
    alice_client, make_person, django_assert_max_num_queries
):
    for i in range(20):
        make_person(first_name=f"P{i}", last_name="Q", emails=[f"p{i}@example.org"], tags=["x"])
    with django_assert_max_num_queries(15):
        b"".join(alice_client.get("/data/export/?format=csv").streaming_content)


def test_only_owners_download_the_backup(alice_client, bob_client):
    response = alice_client.get("/data/backup/")
    assert response.status_code == 200
    assert b'"kontaktpflege-backup"' in b"".join(response.streaming_content)
    assert bob_client.get("/data/backup/").status_code == 403


def test_a_viewer_cannot_import_or_merge(workspace, make_person, client):
    from kontaktpflege.accounts.models import User

    viewer = User.objects.create_user(username="vera", email="vera@example.org", password="x")
    membership_add(workspace=workspace, user=viewer, role="viewer")
    viewer.active_workspace = workspace
    viewer.save()
    client.force_login(viewer)
    a, b = make_person(first_name="A"), make_person(first_name="B")
    assert upload(client, "linkedin_2021.csv").status_code == 403
    assert client.post(f"/data/merge/{a.pk}/{b.pk}/").status_code == 403
    assert client.get("/data/duplicates/").status_code == 200


def test_merge_screen_merges_and_the_duplicates_page_undoes(alice_client, make_person, workspace):
    a = make_person(first_name="Thomas", last_name="Müller", emails=["t@example.org"])
    b = make_person(first_name="Tom", last_name="Müller", emails=["t@example.org"], location="Köln")
    page = alice_client.get("/data/duplicates/").content.decode()
    assert f"/data/merge/{a.pk}/{b.pk}/" in page and "same email address" in page
    form = alice_client.get(f"/data/merge/{a.pk}/{b.pk}/").content.decode()
    assert "Köln" in form and "Tom" in form
    response = alice_client.post(
        f"/data/merge/{a.pk}/{b.pk}/",
        {"first_name": "remove", "last_name": "keep", "location": "remove"},
    )
    assert response.url == f"/people/{a.pk}/"
    a.refresh_from_db()
    assert (a.first_name, a.location) == ("Tom", "Köln")
    page = alice_client.get("/data/duplicates/").content.decode()
    assert "Undo" in page
    from kontaktpflege.dataio.models import MergeLog

    alice_client.post(f"/data/merges/{MergeLog.objects.get().pk}/undo/")
    a.refresh_from_db()
    assert a.first_name == "Thomas"
    assert Person.objects.filter(pk=b.pk, location="Köln").exists()


def test_not_the_same_hides_a_pair(alice_client, make_person):
    a = make_person(first_name="Thomas", last_name="Müller", emails=["t@example.org"])
    b = make_person(first_name="Tom", last_name="Müller", emails=["t@example.org"])
    alice_client.post(f"/data/duplicates/{a.pk}/{b.pk}/dismiss/")
    assert (
        f"/data/merge/{a.pk}/{b.pk}/" not in alice_client.get("/data/duplicates/").content.decode()
    )


@pytest.fixture
def alices_things(alice_client, make_person, workspace):
    from kontaktpflege.dataio.merge import person_merge

    upload(alice_client, "linkedin_2021.csv")
    a = make_person(first_name="A", last_name="One")
    b = make_person(first_name="B", last_name="Two")
    c = make_person(first_name="C", last_name="Three")
    log = person_merge(keep=a, remove=c)
    return ImportJob.objects.get(), a, b, log


def test_charlie_gets_404_for_everything_of_alices(charlie_client, alices_things):
    job, a, b, log = alices_things
    for url in (
        f"/data/import/{job.pk}/",
        f"/data/import/{job.pk}/mapping/",
        f"/data/import/{job.pk}/progress/",
        f"/data/merge/{a.pk}/{b.pk}/",
    ):
        assert charlie_client.get(url).status_code == 404, url
    for url in (
        f"/data/import/{job.pk}/confirm/",
        f"/data/import/{job.pk}/cancel/",
        f"/data/merge/{a.pk}/{b.pk}/",
        f"/data/duplicates/{a.pk}/{b.pk}/dismiss/",
        f"/data/merges/{log.pk}/undo/",
    ):
        assert charlie_client.post(url).status_code == 404, url
    job.refresh_from_db()
    assert job.state == "previewed" and not job.cancel_requested
    log.refresh_from_db()
    assert log.undone_at is None


def test_charlies_export_and_backup_hold_none_of_alices_people(charlie_client, alices_things):
    body = b"".join(charlie_client.get("/data/export/?format=csv").streaming_content).decode()
    assert "Lind" not in body and "One" not in body
    backup = b"".join(charlie_client.get("/data/backup/").streaming_content).decode()
    assert "Lind" not in backup and "One" not in backup


def test_the_pages_speak_german_to_bob(bob_client):
    page = bob_client.get("/data/").content.decode()
    assert "Kontakte importieren" in page and "Personen exportieren" in page
    response = upload(bob_client, "header.csv", b"Vorname;Nachname\n")
    page = bob_client.get(response.url, follow=True).content.decode()
    assert "Die Datei enthält keine Kontakte" in page


def test_a_pair_of_one_person_with_itself_is_a_bad_request(alice_client, make_person):
    from kontaktpflege.dataio.models import DuplicateDismissal, MergeLog

    a = make_person(first_name="Thomas", last_name="Müller")
    for url in (f"/data/duplicates/{a.pk}/{a.pk}/dismiss/", f"/data/merge/{a.pk}/{a.pk}/"):
        response = alice_client.post(url)
        assert response.status_code == 400, url
        assert "the same person twice" in response.content.decode()
    assert alice_client.get(f"/data/merge/{a.pk}/{a.pk}/").status_code == 400
    assert not DuplicateDismissal.objects.exists() and not MergeLog.objects.exists()
    assert Person.objects.get(pk=a.pk).first_name == "Thomas"


def stored_uploads(settings):
    from pathlib import Path

    root = Path(settings.MEDIA_ROOT) / "imports"
    return sorted(p.name for p in root.rglob("*") if p.is_file())


def test_discard_asks_first_then_deletes_the_upload_without_javascript(
    alice_client, workspace, settings, django_capture_on_commit_callbacks
):
    upload(alice_client, "linkedin_current.csv")
    job = ImportJob.objects.get()
    url = f"/data/import/{job.pk}/cancel/"
    assert f'href="{url}"' in alice_client.get(f"/data/import/{job.pk}/").content.decode()
    for response in (alice_client.get(url), alice_client.post(url)):  # no confirm=1 yet
        page = response.content.decode()
        assert response.status_code == 200 and "Discard this import?" in page
        assert 'name="confirm" value="1"' in page and f'action="{url}"' in page
    job.refresh_from_db()
    assert job.state == "previewed" and not job.cancel_requested
    assert len(stored_uploads(settings)) == 1
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(url, {"confirm": "1"})
    assert response.url == "/data/"
    job.refresh_from_db()
    assert job.state == "cancelled" and not job.file
    assert stored_uploads(settings) == []
    assert "discarded" in alice_client.get("/data/").content.decode()


def test_the_mapping_screen_can_be_discarded_too(alice_client, settings):
    upload(alice_client, "odd.csv", b"Spalte A;Spalte B\nx;y\n")
    job = ImportJob.objects.get()
    assert job.state == "needs_mapping"
    page = alice_client.get(f"/data/import/{job.pk}/mapping/").content.decode()
    assert f'href="/data/import/{job.pk}/cancel/"' in page
    page = alice_client.get(f"/data/import/{job.pk}/cancel/").content.decode()
    assert f'href="/data/import/{job.pk}/mapping/"' in page  # "Keep it" goes back
