"""CVs: uploads checked at the door, text extracted in the worker (pypdf, python-docx).

The request only looks at what it must to refuse a bad file with a clear message and store
nothing: the size (from the upload's length, before reading the file), the first bytes (a
PDF starts with ``%PDF-``, a DOCX is a ZIP with ``word/document.xml``; the name does not
count), and for a PDF its cross-reference table (encrypted? how many pages?). Reading the
text — the slow part, and the part a hostile file can make slow — runs in the worker with
a limit on pages, characters and time; the time is checked between pages and paragraphs,
and pypdf bounds the decompression of a single stream itself. A file the worker cannot read
is removed from storage, its row says why.
"""

from __future__ import annotations

import hashlib
import io
import logging
import time
import zipfile
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kontaktpflege.recruiting.models import Candidacy, CandidateDocument, ExtractionState

logger = logging.getLogger(__name__)

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
SUFFIXES = {PDF: ".pdf", DOCX: ".docx"}
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # encrypted Office files and old .doc
MAX_DOCX_XML = 20 * 1024 * 1024  # uncompressed word/document.xml: a zip bomb stops here
MAX_CHARS = 300_000


def max_bytes() -> int:
    """The largest CV accepted (KP_CV_MAX_BYTES, default 10 MB)."""
    return int(getattr(settings, "CV_MAX_BYTES", 10 * 1024 * 1024))


def max_pages() -> int:
    return int(getattr(settings, "CV_MAX_PAGES", 30))


def max_seconds() -> float:
    return float(getattr(settings, "CV_MAX_SECONDS", 10.0))


def too_large_message(size: int) -> str:
    return _("The file is %(size)s MB; a CV may have at most %(limit)s MB.") % {
        "size": f"{size / 1024 / 1024:.1f}",
        "limit": f"{max_bytes() / 1024 / 1024:.0f}",
    }


def check_size(size: int) -> None:
    if size <= 0:
        raise ValidationError({"file": _("The file is empty.")})
    if size > max_bytes():
        raise ValidationError({"file": too_large_message(size)})


def sniff(stream: IO[bytes]) -> str:
    """The content type from the file's first bytes: PDF or DOCX, or a clear error."""
    stream.seek(0)
    head = stream.read(8)
    stream.seek(0)
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"PK\x03\x04"):
        return DOCX
    if head.startswith(OLE_MAGIC):
        raise ValidationError(
            {
                "file": _(
                    "This is an encrypted or old-style Word file (.doc). Save it as an "
                    "unprotected PDF or DOCX and upload that."
                )
            }
        )
    raise ValidationError({"file": _("This is not a PDF or DOCX file.")})


def _check_pdf(stream: IO[bytes]) -> int:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(stream, strict=False)
        if reader.is_encrypted:
            raise ValidationError(
                {"file": _("The PDF is encrypted. Upload a copy without a password.")}
            )
        pages = len(reader.pages)
    except ValidationError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        logger.info("unreadable PDF: %r", exc)
        raise ValidationError({"file": _("The PDF is damaged and cannot be read.")}) from exc
    if pages == 0:
        raise ValidationError({"file": _("The PDF has no pages.")})
    if pages > max_pages():
        raise ValidationError(
            {
                "file": _("The PDF has %(pages)d pages; a CV may have at most %(limit)d.")
                % {"pages": pages, "limit": max_pages()}
            }
        )
    return pages


def _check_docx(stream: IO[bytes]) -> None:
    try:
        with zipfile.ZipFile(stream) as archive:
            info = archive.getinfo("word/document.xml")
    except KeyError as exc:
        raise ValidationError({"file": _("This is not a PDF or DOCX file.")}) from exc
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise ValidationError({"file": _("The DOCX file is damaged and cannot be read.")}) from exc
    if info.file_size > MAX_DOCX_XML:
        raise ValidationError({"file": _("The DOCX file is too large to read.")})


def check_upload(stream: IO[bytes], size: int) -> tuple[str, int | None]:
    """Refuse what is not a readable PDF or DOCX within the limits; (content type, pages)."""
    check_size(size)
    content_type = sniff(stream)
    try:
        if content_type == PDF:
            return content_type, _check_pdf(stream)
        _check_docx(stream)
        return content_type, None
    finally:
        stream.seek(0)


def _sha256(stream: IO[bytes]) -> str:
    digest = hashlib.sha256()
    stream.seek(0)
    for chunk in iter(lambda: stream.read(1024 * 1024), b""):
        digest.update(chunk)
    stream.seek(0)
    return digest.hexdigest()


def cv_upload(
    *, candidacy: Candidacy, file: File, filename: str, by: Any = None
) -> CandidateDocument:
    """Store a checked CV for the candidacy's person and queue the reading of its text.

    The size is checked before the file is read; a refused file leaves nothing behind. The
    file goes to storage outside any transaction, then one short transaction writes the row
    and queues the task.
    """
    check_size(int(file.size or 0))
    content_type, pages = check_upload(file, int(file.size or 0))
    suffix = SUFFIXES[content_type]
    name = (filename or "cv").rsplit("/", 1)[-1].rsplit("\\", 1)[-1][:200] or "cv"
    document = CandidateDocument(
        workspace_id=candidacy.workspace_id,
        person_id=candidacy.person_id,
        candidacy=candidacy,
        original_name=name,
        content_type=content_type,
        size=int(file.size or 0),
        sha256=_sha256(file),
        pages=pages,
        uploaded_by=by,
    )
    document.file.save(f"{timezone.now():%Y%m%d%H%M%S}{suffix}", file, save=False)
    try:
        with transaction.atomic():
            document.save()
            _enqueue(document.pk)
    except Exception:
        document.file.storage.delete(document.file.name)
        raise
    return document


def _enqueue(document_id: int) -> None:
    from kontaktpflege.recruiting.tasks import cv_extract_task

    transaction.on_commit(lambda: cv_extract_task.enqueue(document_id))


class ExtractionError(Exception):
    """A CV whose text cannot be read; the message is shown to the user."""


def _pdf_text(data: bytes, deadline: float) -> tuple[str, int]:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data), strict=False)
    if reader.is_encrypted:
        raise ExtractionError(_("The PDF is encrypted. Upload a copy without a password."))
    pages = len(reader.pages)
    if pages > max_pages():
        raise ExtractionError(_("The PDF has too many pages."))
    parts: list[str] = []
    for page in reader.pages:
        parts.append(page.extract_text() or "")
        if time.monotonic() > deadline:
            raise ExtractionError(_("Reading the file took too long."))
        if sum(len(p) for p in parts) > MAX_CHARS:
            break
    return "\n".join(parts), pages


def _docx_text(data: bytes, deadline: float) -> str:
    import docx

    document = docx.Document(io.BytesIO(data))
    parts: list[str] = []
    for paragraph in document.paragraphs:
        parts.append(paragraph.text)
        if time.monotonic() > deadline:
            raise ExtractionError(_("Reading the file took too long."))
    for table in document.tables:
        for row in table.rows:
            parts.append(" ".join(cell.text for cell in row.cells))
            if time.monotonic() > deadline:
                raise ExtractionError(_("Reading the file took too long."))
    return "\n".join(parts)


def _extract(document: CandidateDocument) -> tuple[str, int | None]:
    with document.file.open("rb") as handle:
        data = handle.read(max_bytes() + 1)
    if len(data) > max_bytes():
        raise ExtractionError(too_large_message(len(data)))
    deadline = time.monotonic() + max_seconds()
    if document.content_type == PDF:
        text, pages = _pdf_text(data, deadline)
    else:
        text, pages = _docx_text(data, deadline), None
    # NUL cannot be stored in PostgreSQL text; other control characters help no search.
    text = "".join(c for c in text if c >= " " or c in "\n\t")
    return text[:MAX_CHARS].strip(), pages


def cv_extract(*, document_id: int) -> None:
    """Read a stored CV's text (the background task); only a pending document changes."""
    document = CandidateDocument.objects.filter(
        pk=document_id, state=ExtractionState.PENDING
    ).first()
    if document is None:
        return
    try:
        text, pages = _extract(document)
    except ExtractionError as exc:
        _failed(document, str(exc))
        return
    except Exception as exc:  # a hostile file may raise anything from inside the parsers
        logger.info("CV %s unreadable: %r", document_id, exc)
        _failed(document, _("The file is damaged and cannot be read."))
        return
    CandidateDocument.objects.filter(pk=document.pk, state=ExtractionState.PENDING).update(
        state=ExtractionState.DONE,
        text=text,
        pages=pages if pages is not None else document.pages,
        updated_at=timezone.now(),
    )
    transaction.on_commit(lambda: _extracted(document.pk))


def _failed(document: CandidateDocument, message: str) -> None:
    """Keep the row with the reason; the unreadable file itself is removed."""
    updated = CandidateDocument.objects.filter(
        pk=document.pk, state=ExtractionState.PENDING
    ).update(state=ExtractionState.FAILED, error=message[:300], updated_at=timezone.now())
    if updated and document.file.name:
        document.file.storage.delete(document.file.name)


# Hooks run after a CV's text was read (the automatic tags register one): functions of a
# document id. A higher module registers here instead of being imported.
EXTRACTED_HOOKS: list[Any] = []


def _extracted(document_id: int) -> None:
    for hook in EXTRACTED_HOOKS:
        hook(document_id)
