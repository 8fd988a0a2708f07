"""CV upload over the API: the web upload's service and limits, multipart, read in the worker;
bad files are a 422 on `file` with nothing stored, other workspaces a 404, viewers a 403."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kontaktpflege.api.tests.conftest import BASE
from kontaktpflege.recruiting.models import CandidateDocument
from kontaktpflege.recruiting.tests.factories import docx_bytes, pdf_bytes

pytestmark = pytest.mark.django_db

OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an encrypted Office file or an old .doc
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture(autouse=True)
def _english(api):
    api.headers["Accept-Language"] = "en"  # the messages are checked in English


@pytest.fixture
def candidacy(workspace, make_person):
    from kontaktpflege.recruiting.services import (
        candidacy_create,
        opening_create,
        recruiting_switch,
    )

    recruiting_switch(workspace=workspace, enabled=True)
    opening = opening_create(workspace=workspace, title="Data Engineer", skills=["Python"])
    person = make_person(first_name="Lena", last_name="Wolf")
    return candidacy_create(opening=opening, person=person)


def _stored(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def _upload(api, candidacy, data: bytes, name: str = "cv.pdf"):
    return api.upload(f"/candidacies/{candidacy.pk}/documents", file=SimpleUploadedFile(name, data))


def test_a_pdf_uploaded_over_the_api_is_read_in_the_worker(api, candidacy, committed):
    with committed():
        response = _upload(api, candidacy, pdf_bytes("Python Kubernetes", pages=2))
    assert response.status_code == 202, response.json()
    body = response.json()
    assert body["state"] == "pending" and body["pages"] == 2
    assert (body["candidacy_id"], body["person_id"]) == (candidacy.pk, candidacy.person_id)
    assert body["content_type"] == "application/pdf" and body["original_name"] == "cv.pdf"
    document = api.get(f"/documents/{body['id']}").json()
    assert document["state"] == "done", document
    assert "Kubernetes" in document["text"]
    listed = api.get(f"/candidacies/{candidacy.pk}/documents").json()
    assert [d["id"] for d in listed] == [body["id"]]
    found = api.get(f"/openings/{candidacy.opening_id}/candidacies", q="kubernetes").json()
    assert [c["id"] for c in found["items"]] == [candidacy.pk]


def test_a_docx_is_recognised_by_its_bytes_not_its_name(api, candidacy, committed):
    with committed():
        response = _upload(api, candidacy, docx_bytes("Buchhaltung", "DATEV Lohn"), "cv.pdf")
    assert response.status_code == 202, response.json()
    assert response.json()["content_type"] == DOCX
    document = api.get(f"/documents/{response.json()['id']}").json()
    assert document["state"] == "done" and "DATEV Lohn" in document["text"]


BAD = [
    pytest.param(b"Hello, I am a text file", "cv.pdf", "not a PDF or DOCX", id="text"),
    pytest.param(pdf_bytes(password="geheim"), "cv.pdf", "encrypted", id="encrypted-pdf"),
    pytest.param(OLE + b"\0" * 600, "cv.doc", "encrypted", id="ole"),
    pytest.param(pdf_bytes(pages=31), "cv.pdf", "31 pages", id="too-many-pages"),
    pytest.param(b"%PDF-1.7\n%garbage\x00 not really", "cv.pdf", "damaged", id="corrupt-pdf"),
    pytest.param(b"", "cv.pdf", "empty", id="empty"),
]


@pytest.mark.parametrize(("data", "name", "message"), BAD)
def test_a_bad_cv_is_a_422_on_file_and_nothing_is_stored(
    api, candidacy, settings, data, name, message
):
    response = _upload(api, candidacy, data, name)
    assert response.status_code == 422, response.json()
    assert message in " ".join(response.json()["errors"]["file"])
    assert not CandidateDocument.objects.exists()
    assert _stored(settings) == []


def test_a_50_mb_cv_is_refused_by_its_announced_length_before_the_body_is_read(
    api, candidacy, settings
):
    response = api.client.post(
        f"{BASE}/candidacies/{candidacy.pk}/documents",
        {"file": SimpleUploadedFile("cv.pdf", pdf_bytes())},
        headers=api.headers,
        CONTENT_LENGTH=str(50 * 1024 * 1024),
    )
    assert response.status_code == 422, response.content
    errors = " ".join(response.json()["errors"]["file"])
    assert "50.0 MB" in errors and "at most 10 MB" in errors
    assert not CandidateDocument.objects.exists()
    assert _stored(settings) == []


def test_a_file_just_above_the_limit_is_refused_by_its_size(api, candidacy, settings):
    settings.CV_MAX_BYTES = 1000
    response = _upload(api, candidacy, pdf_bytes("x" * 50) + b"%" * 2000)
    assert response.status_code == 422
    assert "a CV may have at most" in " ".join(response.json()["errors"]["file"])
    assert not CandidateDocument.objects.exists()


@pytest.mark.parametrize(
    "fields",
    [{}, {"cv": SimpleUploadedFile("cv.pdf", b"%PDF-")}, {"file": "not a file"}],
    ids=["nothing", "other-field", "text-field"],
)
def test_a_request_without_the_file_field_is_a_422(api, candidacy, fields):
    response = api.upload(f"/candidacies/{candidacy.pk}/documents", **fields)
    assert response.status_code == 422
    assert "file" in response.json()["errors"]
    assert not CandidateDocument.objects.exists()


def test_a_json_body_is_a_422_too(api, candidacy):
    response = api.post(f"/candidacies/{candidacy.pk}/documents", {"file": "x"})
    assert response.status_code == 422 and "file" in response.json()["errors"]


def test_charlie_gets_404_for_alices_candidacy_and_documents(
    api, charlie_api, candidacy, settings, committed
):
    with committed():
        mine = _upload(api, candidacy, pdf_bytes()).json()
    stored = _stored(settings)
    response = _upload(charlie_api, candidacy, pdf_bytes())
    assert response.status_code == 404
    assert charlie_api.get(f"/candidacies/{candidacy.pk}/documents").status_code == 404
    assert charlie_api.get(f"/documents/{mine['id']}").status_code == 404
    assert CandidateDocument.objects.count() == 1
    assert _stored(settings) == stored


def test_a_viewer_may_list_but_not_upload(viewer_api, candidacy, settings):
    response = _upload(viewer_api, candidacy, pdf_bytes())
    assert response.status_code == 403
    assert viewer_api.get(f"/candidacies/{candidacy.pk}/documents").json() == []
    assert not CandidateDocument.objects.exists()
    assert _stored(settings) == []


def test_the_upload_is_documented_as_multipart_in_the_openapi_schema(client):
    doc = client.get(f"{BASE}/openapi.json").json()
    operation = doc["paths"]["/api/v1/candidacies/{candidacy_id}/documents"]["post"]
    body = operation["requestBody"]
    assert body["required"] is True
    schema = body["content"]["multipart/form-data"]["schema"]
    assert schema["required"] == ["file"]
    assert schema["properties"]["file"] == {
        "type": "string",
        "format": "binary",
        "description": schema["properties"]["file"]["description"],
    }
    assert "PDF or DOCX" in schema["properties"]["file"]["description"]
    assert {"202", "403", "404", "422"} <= set(operation["responses"])


# --- downloads ---------------------------------------------------------------------------


def test_a_cv_is_downloaded_as_an_attachment_of_its_type(api, candidacy, committed):
    data = pdf_bytes("Python Kubernetes")
    with committed():
        document = _upload(api, candidacy, data).json()
    response = api.get(f"/documents/{document['id']}/file")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == data
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="cv.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"


def test_a_docx_is_served_as_a_docx_whatever_its_name(api, candidacy, committed):
    with committed():
        document = _upload(api, candidacy, docx_bytes("Buchhaltung"), "cv.html").json()
    response = api.get(f"/documents/{document['id']}/file")
    assert response["Content-Type"] == DOCX
    assert response["Content-Disposition"] == 'attachment; filename="cv.html.docx"'


def test_a_german_file_name_is_sent_in_utf8_beside_an_ascii_one(api, candidacy, committed):
    with committed():
        document = _upload(api, candidacy, pdf_bytes(), "Lebenslauf Jürgen Öztürk.pdf").json()
    header = api.get(f"/documents/{document['id']}/file")["Content-Disposition"]
    assert header == (
        'attachment; filename="Lebenslauf Jurgen Ozturk.pdf"; '
        "filename*=UTF-8''Lebenslauf%20J%C3%BCrgen%20%C3%96zt%C3%BCrk.pdf"
    )


def test_a_stored_name_with_line_breaks_and_quotes_cannot_break_the_header(
    api, candidacy, committed
):
    with committed():
        document = _upload(api, candidacy, pdf_bytes()).json()
    CandidateDocument.objects.filter(pk=document["id"]).update(
        original_name='a"b\r\nSet-Cookie: x=1;\u202egpj.html'
    )
    response = api.get(f"/documents/{document['id']}/file")
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        'attachment; filename="a_bSet-Cookie_ x=1_gpj.html.pdf"'
    )
    assert "Set-Cookie" not in response.headers


def test_viewers_may_download_and_other_workspaces_get_404(
    api, viewer_api, charlie_api, candidacy, committed
):
    with committed():
        document = _upload(api, candidacy, pdf_bytes()).json()
    url = f"/documents/{document['id']}/file"
    assert viewer_api.get(url).status_code == 200
    assert charlie_api.get(url).status_code == 404
    assert charlie_api.get("/documents/999999/file").status_code == 404
    assert api.__class__(None).get(url).status_code == 401


def test_a_cv_that_could_not_be_read_has_no_file_to_download(api, candidacy, committed):
    with committed():
        document = _upload(api, candidacy, pdf_bytes()).json()
    stored = CandidateDocument.objects.get(pk=document["id"])
    stored.file.storage.delete(stored.file.name)
    CandidateDocument.objects.filter(pk=stored.pk).update(state="failed", error="damaged")
    assert api.get(f"/documents/{document['id']}/file").status_code == 404


def test_the_download_is_documented_with_its_binary_types(client):
    doc = client.get(f"{BASE}/openapi.json").json()
    operation = doc["paths"]["/api/v1/documents/{document_id}/file"]["get"]
    content = operation["responses"]["200"]["content"]
    assert set(content) == {"application/pdf", DOCX}
    assert {"401", "404"} <= set(operation["responses"])
