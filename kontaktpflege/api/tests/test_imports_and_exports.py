"""Imports, exports and the backup over the API: upload → worker reads → preview → mapping →
confirm → progress; cancel; people as CSV/XLSX/vCard; the owner's JSON backup."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from kontaktpflege.api.tests.conftest import ApiClient
from kontaktpflege.contacts.models import Person
from kontaktpflege.dataio.models import ImportJob

FIXTURES = Path(__file__).resolve().parents[2] / "dataio" / "tests" / "fixtures"


def _file(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, (FIXTURES / name).read_bytes(), content_type="text/csv")


def _state() -> tuple:
    return (
        list(ImportJob.objects.order_by("id").values()),
        list(Person.objects.order_by("id").values_list("id", "first_name", "last_name")),
    )


def test_an_upload_is_parsed_by_the_worker_then_previewed_and_imported(api, committed, workspace):
    with committed():
        response = api.upload("/imports", file=_file("linkedin_current.csv"))
        assert response.status_code == 202, response.content
        assert response.json()["state"] == "parsing"
        assert Person.objects.filter(workspace=workspace, user__isnull=True).count() == 0
    job_id = response.json()["id"]
    preview = api.get(f"/imports/{job_id}").json()
    assert preview["state"] == "previewed" and preview["format"] == "linkedin"
    assert preview["total_rows"] >= preview["counts"]["new"] > 0
    with committed():
        confirmed = api.post(f"/imports/{job_id}/confirm")
        assert confirmed.status_code == 202 and confirmed.json()["state"] == "queued"
    done = api.get(f"/imports/{job_id}").json()
    assert (done["state"], done["percent"]) == ("done", 100)
    imported = Person.objects.filter(workspace=workspace, user__isnull=True).count()
    assert imported == preview["counts"]["new"]
    again = api.post(f"/imports/{job_id}/confirm")
    assert again.status_code == 422 and again.json()["errors"]["__all__"]
    assert Person.objects.filter(workspace=workspace, user__isnull=True).count() == imported
    assert [j["id"] for j in api.get("/imports").json()] == [job_id]


def test_unknown_columns_are_mapped_and_read_again(api, committed):
    with committed():
        job_id = api.upload("/imports", file=_file("generic_mapping.csv")).json()["id"]
    job = api.get(f"/imports/{job_id}").json()
    assert job["state"] == "needs_mapping" and job["headers"]
    fields = {f["key"] for f in api.get("/imports/fields").json()}
    assert {"full_name", "organisation", "emails"} <= fields
    with committed():
        response = api.put(
            f"/imports/{job_id}/mapping",
            {"columns": {"0": "full_name", "1": "organisation", "2": "emails"}},
        )
    assert response.status_code == 202, response.content
    job = api.get(f"/imports/{job_id}").json()
    assert job["state"] == "previewed" and job["counts"]["new"] == 2
    assert job["columns"]["0"] == "full_name"


def test_a_mapping_without_a_name_is_refused_and_nothing_changes(api, committed):
    with committed():
        job_id = api.upload("/imports", file=_file("generic_mapping.csv")).json()["id"]
    before = _state()
    for columns in ({"1": "organisation"}, {"x": "full_name"}, {"0": "full_name" * 10}):
        response = api.put(f"/imports/{job_id}/mapping", {"columns": columns})
        assert response.status_code == 422, (columns, response.content)
    assert _state() == before


def test_cancel_discards_a_waiting_import_and_its_file(api, committed, settings):
    with committed():
        job_id = api.upload("/imports", file=_file("linkedin_current.csv")).json()["id"]
    stored = ImportJob.objects.get(pk=job_id).file.path
    assert Path(stored).exists()
    with committed():
        response = api.post(f"/imports/{job_id}/cancel")
    assert response.status_code == 200 and response.json()["state"] == "cancelled"
    assert not Path(stored).exists()
    assert api.post(f"/imports/{job_id}/confirm").status_code == 422
    assert Person.objects.filter(user__isnull=True).count() == 0


BAD_UPLOADS = [
    ({}, "file"),
    ({"file": SimpleUploadedFile("x.csv", b"a,b\n1,2\n"), "format": "word"}, "format"),
]


@pytest.mark.parametrize(("fields", "field"), BAD_UPLOADS, ids=["no-file", "bad-format"])
def test_bad_uploads_are_refused_and_nothing_is_stored(api, fields, field, settings):
    response = api.upload("/imports", **fields)
    assert response.status_code == 422, response.content
    assert field in response.json()["errors"], response.json()
    assert ImportJob.objects.count() == 0
    assert not any(Path(settings.MEDIA_ROOT).rglob("*.*"))


def test_an_upload_above_the_limit_is_refused(api, settings):
    settings.IMPORT_MAX_BYTES = 100
    response = api.upload("/imports", file=SimpleUploadedFile("big.csv", b"x" * 101))
    assert response.status_code == 422
    assert "MB" in json.dumps(response.json(), ensure_ascii=False)
    assert ImportJob.objects.count() == 0


def test_the_export_honours_the_filters_and_formats(api, make_person):
    make_person(first_name="Anna", circle="core", emails=["anna@example.org"])
    make_person(first_name="Ben", circle="network")
    csv = api.get("/exports/people", circle="core")
    assert csv.status_code == 200
    assert csv["Content-Type"].startswith("text/csv")
    assert 'filename="people-' in csv["Content-Disposition"]
    text = b"".join(csv.streaming_content).decode("utf-8-sig")
    assert "Anna" in text and "Ben" not in text
    vcard = b"".join(api.get("/exports/people", format="vcard3").streaming_content).decode()
    # alice's own entry, Anna and Ben
    assert vcard.count("BEGIN:VCARD") == 3 and "VERSION:3.0" in vcard
    xlsx = api.get("/exports/people", format="xlsx", q="Ben")
    rows = list(load_workbook(io.BytesIO(xlsx.content)).active.values)
    assert [r[0] for r in rows[1:]] == ["Ben"]


def test_a_bad_export_format_is_refused(api):
    response = api.get("/exports/people", format="pdf")
    assert response.status_code == 422 and "format" in response.json()["errors"]


@pytest.mark.parametrize(
    "params", [{"touched_after": "0001-01-01"}, {"touched_before": "9999-12-31"}]
)
def test_the_export_refuses_dates_outside_the_range_as_the_people_list_does(api, params):
    response = api.get("/exports/people", **params)
    assert response.status_code == 422
    [(field, [message])] = response.json()["errors"].items()
    assert field in params and "1900-01-01" in message and "2200-12-31" in message


def test_charlies_export_holds_none_of_alices_people(charlie_api, make_person):
    make_person(first_name="Anna")
    text = b"".join(charlie_api.get("/exports/people").streaming_content).decode("utf-8-sig")
    assert "Anna" not in text


def test_the_owner_downloads_the_backup(api, make_person):
    make_person(first_name="Anna")
    response = api.get("/backup")
    assert response.status_code == 200
    assert "kontaktpflege-backup-" in response["Content-Disposition"]
    data = json.loads(b"".join(response.streaming_content))
    assert "Anna" in json.dumps(data)


def test_only_the_owner_downloads_the_backup(bob, workspace, viewer_api):
    from kontaktpflege.accounts.services import api_token_create

    _token, raw = api_token_create(user=bob, workspace=workspace, name="b")
    assert ApiClient(raw).get("/backup").status_code == 403
    assert viewer_api.get("/backup").status_code == 403


def test_charlies_backup_holds_none_of_alices_people(charlie_api, make_person):
    make_person(first_name="Annabella")
    response = charlie_api.get("/backup")
    assert response.status_code == 200
    assert "Annabella" not in b"".join(response.streaming_content).decode()
