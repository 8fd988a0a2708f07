"""CV uploads: checked by their bytes at the door, text read in the worker, bad files refused
with a clear message and nothing stored."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from kontaktpflege.recruiting.cv import cv_extract, cv_upload
from kontaktpflege.recruiting.models import CandidateDocument
from kontaktpflege.recruiting.selectors import opening_board
from kontaktpflege.recruiting.tests.factories import docx_bytes, pdf_bytes

pytestmark = pytest.mark.django_db


def _stored(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def _upload(candidacy, data: bytes, name: str = "cv.pdf", **kw):
    return cv_upload(candidacy=candidacy, file=SimpleUploadedFile(name, data), filename=name, **kw)


def test_a_pdf_is_stored_and_its_text_read_in_the_worker(candidacy, alice, committed_tasks):
    with committed_tasks():
        document = _upload(candidacy, pdf_bytes("Python Django Kubernetes", pages=2), by=alice)
    document.refresh_from_db()
    assert document.state == "done", document.error
    assert "Kubernetes" in document.text
    assert document.pages == 2
    assert document.content_type == "application/pdf"
    assert len(document.sha256) == 64
    board = opening_board(opening=candidacy.opening, q="kubernetes")
    assert [c.pk for col in board for c in col.cards] == [candidacy.pk]


def test_a_docx_is_read_whatever_its_name(candidacy, committed_tasks):
    with committed_tasks():
        document = _upload(candidacy, docx_bytes("Buchhaltung", "DATEV Lohn"), name="cv.pdf")
    document.refresh_from_db()
    assert document.state == "done"
    assert document.content_type.endswith("wordprocessingml.document")
    assert "DATEV Lohn" in document.text
    assert document.file.name.endswith(".docx")


def _zip(**members: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


BAD = [
    pytest.param(b"Hello, I am a text file", "cv.pdf", "not a PDF or DOCX", id="text-named-pdf"),
    pytest.param(b"\x89PNG\r\n\x1a\n" + b"0" * 100, "cv.docx", "not a PDF or DOCX", id="png"),
    pytest.param(pdf_bytes(password="geheim"), "cv.pdf", "encrypted", id="encrypted-pdf"),
    pytest.param(
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "cv.docx", "encrypted", id="ole-docx"
    ),
    pytest.param(b"%PDF-1.7\n%garbage\x00\x01 not really", "cv.pdf", "damaged", id="corrupt-pdf"),
    pytest.param(b"PK\x03\x04broken zip", "cv.docx", "damaged", id="corrupt-docx"),
    pytest.param(_zip(**{"a.txt": b"x"}), "cv.docx", "not a PDF or DOCX", id="zip-not-docx"),
    pytest.param(pdf_bytes(pages=31), "cv.pdf", "31 pages", id="too-many-pages"),
    pytest.param(b"", "cv.pdf", "empty", id="empty"),
]


@pytest.mark.parametrize(("data", "name", "message"), BAD)
def test_a_bad_cv_is_refused_with_a_clear_message_and_nothing_is_stored(
    candidacy, settings, data, name, message
):
    with pytest.raises(ValidationError) as exc:
        _upload(candidacy, data, name=name)
    assert message in " ".join(exc.value.messages)
    assert not CandidateDocument.objects.exists()
    assert _stored(settings) == []


class _HugeUpload(SimpleUploadedFile):
    """A 50 MB upload that must not be read: reading it fails the test."""

    def __init__(self) -> None:
        super().__init__("cv.pdf", b"%PDF-1.7")
        self.size = 50 * 1024 * 1024

    def read(self, *args, **kwargs):  # pragma: no cover - reaching this is the failure
        raise AssertionError("the oversized file was read")


def test_a_50_mb_cv_is_refused_before_it_is_read(candidacy, settings):
    with pytest.raises(ValidationError) as exc:
        cv_upload(candidacy=candidacy, file=_HugeUpload(), filename="cv.pdf")
    assert "50.0 MB" in " ".join(exc.value.messages)
    assert "at most 10 MB" in " ".join(exc.value.messages)
    assert not CandidateDocument.objects.exists()
    assert _stored(settings) == []


def test_a_file_the_worker_cannot_read_is_removed_and_says_why(candidacy, settings):
    document = _upload(candidacy, pdf_bytes("Python"))
    # the stored file is damaged after the check (a disk error, a swapped file)
    Path(document.file.path).write_bytes(b"%PDF-1.7 broken")
    cv_extract(document_id=document.pk)
    document.refresh_from_db()
    assert document.state == "failed"
    assert "damaged" in document.error
    assert document.text == ""
    assert _stored(settings) == []


def test_reading_stops_when_the_time_is_up(candidacy, settings):
    settings.CV_MAX_SECONDS = -1
    document = _upload(candidacy, pdf_bytes("Python"))
    cv_extract(document_id=document.pk)
    document.refresh_from_db()
    assert (document.state, document.error) == ("failed", "Reading the file took too long.")


def test_a_document_is_read_once(candidacy):
    document = _upload(candidacy, pdf_bytes("Python"))
    cv_extract(document_id=document.pk)
    CandidateDocument.objects.filter(pk=document.pk).update(text="edited")
    cv_extract(document_id=document.pk)
    document.refresh_from_db()
    assert document.text == "edited"


def test_a_read_cv_tags_its_person_automatically_with_its_evidence(candidacy, committed_tasks):
    from kontaktpflege.recruiting.models import CandidateSkill

    with committed_tasks():
        _upload(candidacy, pdf_bytes("Python Django Kubernetes Buchhaltung"))
    tags = {
        s.skill.name: s
        for s in CandidateSkill.objects.filter(person=candidacy.person).select_related("skill")
    }
    assert {"Python", "Kubernetes"} <= set(tags)
    assert tags["Python"].source == "auto" and tags["Python"].evidence
