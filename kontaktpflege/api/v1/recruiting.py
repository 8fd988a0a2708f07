"""Recruiting (seed 002): openings, candidacies, stage moves, notes and the stages.

The same services as the web pages; another workspace's opening or candidacy is a 404,
another workspace's person or stage in a body is a 422 on its field and changes nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from kontaktpflege.api.errors import require_writer
from kontaktpflege.api.schemas import ERRORS, READ_ERRORS, Id, InputSchema
from kontaktpflege.contacts.models import Person
from kontaktpflege.core.downloads import file_download, safe_filename
from kontaktpflege.recruiting import cv, selectors, services
from kontaktpflege.recruiting.models import (
    Candidacy,
    CandidateDocument,
    CareerLevel,
    JobType,
    Opening,
    OpeningStatus,
    PipelineStage,
    WorkMode,
)

router = Router(tags=["recruiting"])


class StageOut(Schema):
    id: int
    key: str
    label: str
    position: int
    kind: str


class OpeningOut(Schema):
    id: int
    title: str
    description: str
    skills: list[str]
    career_level: str
    location: str
    work_mode: str
    job_type: str
    status: str
    created_at: dt.datetime
    candidacy_count: int
    active_count: int


class OpeningPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[OpeningOut]


class OpeningPatch(InputSchema):
    """The fields to change; omitted ones stay."""

    title: str | None = Field(None, max_length=200)
    description: str | None = Field(None, max_length=20000)
    skills: list[Annotated[str, Field(max_length=80)]] | None = Field(None, max_length=50)
    career_level: str | None = Field(
        None, description=", ".join(["", *CareerLevel.values]), max_length=12
    )
    location: str | None = Field(None, max_length=200)
    work_mode: str | None = Field(None, description=", ".join(WorkMode.values), max_length=8)
    job_type: str | None = Field(None, description=", ".join(JobType.values), max_length=16)
    status: str | None = Field(None, description=", ".join(OpeningStatus.values), max_length=8)


class OpeningIn(OpeningPatch):
    title: str = Field(max_length=200)  # type: ignore[assignment]


class OpeningQuery(InputSchema):
    status: str = Field("", max_length=8)
    limit: Annotated[int, Field(ge=1, le=200)] = 50
    offset: Annotated[int, Field(ge=0, le=10**9)] = 0


class MoveOut(Schema):
    from_stage_id: int | None
    to_stage_id: int
    to_stage: str
    moved_at: dt.datetime
    moved_by: str | None


class NoteOut(Schema):
    id: int
    stage_id: int
    text: str
    rating: int | None
    created_at: dt.datetime


class CandidacyOut(Schema):
    id: int
    opening_id: int
    person_id: int
    name: str
    stage_id: int
    stage: str
    reached_stage_id: int | None
    silver_medallist: bool
    source: str
    notes: str
    stage_changed_at: dt.datetime | None


class CandidacyDetailOut(CandidacyOut):
    moves: list[MoveOut]
    stage_notes: list[NoteOut]


class CandidacyPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[CandidacyOut]


class CandidacyIn(InputSchema):
    person_id: Id
    stage_id: Id | None = None
    source: str = Field("", max_length=40)


class CandidacyQuery(InputSchema):
    stage_id: Id | None = None
    q: str = Field("", max_length=200)
    limit: Annotated[int, Field(ge=1, le=200)] = 50
    offset: Annotated[int, Field(ge=0, le=10**9)] = 0


class MoveIn(InputSchema):
    stage_id: Id


class NoteIn(InputSchema):
    text: str = Field("", max_length=20000)
    rating: Annotated[int, Field(ge=1, le=5)] | None = None


def _opening_out(opening: Opening) -> dict[str, Any]:
    return {
        **{f: getattr(opening, f) for f in OpeningOut.model_fields if hasattr(opening, f)},
        "skills": [str(s) for s in opening.skills or []],
    }


def _opening(request: HttpRequest, pk: int) -> Opening:
    selectors.opening_get(workspace=request.workspace, pk=pk)  # type: ignore[attr-defined]  # 404
    return selectors.opening_list(workspace=request.workspace).get(pk=pk)  # type: ignore[attr-defined]


def _candidacy_out(c: Candidacy) -> dict[str, Any]:
    return {
        "id": c.pk,
        "opening_id": c.opening_id,
        "person_id": c.person_id,
        "name": c.person.full_name,
        "stage_id": c.stage_id,
        "stage": c.stage.label,
        "reached_stage_id": c.reached_stage_id,
        "silver_medallist": c.silver_medallist,
        "source": c.source,
        "notes": c.notes,
        "stage_changed_at": c.stage_changed_at,
    }


def _candidacy_detail(request: HttpRequest, pk: int) -> dict[str, Any]:
    c = selectors.candidacy_get(workspace=request.workspace, pk=pk)  # type: ignore[attr-defined]
    moves = selectors.candidacy_history(candidacy=c)
    return {
        **_candidacy_out(c),
        "moves": [
            {
                "from_stage_id": m.from_stage_id,
                "to_stage_id": m.to_stage_id,
                "to_stage": m.to_stage.label,
                "moved_at": m.created_at,
                "moved_by": m.moved_by.get_username() if m.moved_by else None,
            }
            for m in moves
        ],
        "stage_notes": [
            {
                "id": n.pk,
                "stage_id": n.stage_id,
                "text": n.text,
                "rating": n.rating,
                "created_at": n.created_at,
            }
            for n in selectors.candidacy_notes(candidacy=c)
        ],
    }


def _stage(request: HttpRequest, pk: int | None, field: str) -> PipelineStage | None:
    if pk is None:
        return None
    stage = selectors.stage_find(workspace=request.workspace, pk=pk)  # type: ignore[attr-defined]
    if stage is None:
        raise ValidationError({field: _("Choose a stage of this workspace.")})
    return stage


@router.get("/recruiting/stages", response={200: list[StageOut], **READ_ERRORS})
def list_stages(request: HttpRequest) -> list[dict[str, Any]]:
    """The workspace's stages in order (empty until recruiting is switched on)."""
    return [
        {"id": s.pk, "key": s.key, "label": s.label, "position": s.position, "kind": s.kind}
        for s in selectors.stages_for(request.workspace)  # type: ignore[attr-defined]
    ]


@router.get("/openings", response={200: OpeningPage, **READ_ERRORS})
def list_openings(request: HttpRequest, filters: Query[OpeningQuery]) -> dict[str, Any]:
    """Openings, newest first, with their number of candidacies."""
    status = filters.status if filters.status in OpeningStatus.values else ""
    if filters.status and not status:
        raise ValidationError({"status": _("Unknown status.")})
    qs = selectors.opening_list(workspace=request.workspace, status=status)  # type: ignore[attr-defined]
    items = list(qs[filters.offset : filters.offset + filters.limit])
    return {
        "count": qs.count(),
        "limit": filters.limit,
        "offset": filters.offset,
        "items": [_opening_out(o) for o in items],
    }


@router.post("/openings", response={201: OpeningOut, **ERRORS})
def create_opening(request: HttpRequest, payload: OpeningIn) -> Status[dict[str, Any]]:
    """Open a position."""
    require_writer(request)
    opening = services.opening_create(
        workspace=request.workspace,  # type: ignore[attr-defined]
        created_by=request.user,
        **{k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None},
    )
    return Status(201, _opening_out(_opening(request, opening.pk)))


@router.get("/openings/{opening_id}", response={200: OpeningOut, **READ_ERRORS})
def get_opening(request: HttpRequest, opening_id: Id) -> dict[str, Any]:
    """One opening."""
    return _opening_out(_opening(request, opening_id))


@router.patch("/openings/{opening_id}", response={200: OpeningOut, **ERRORS})
def update_opening(request: HttpRequest, opening_id: Id, payload: OpeningPatch) -> dict[str, Any]:
    """Change the fields sent."""
    require_writer(request)
    opening = selectors.opening_get(workspace=request.workspace, pk=opening_id)  # type: ignore[attr-defined]
    data = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    services.opening_update(opening=opening, **data)
    return _opening_out(_opening(request, opening_id))


@router.get("/openings/{opening_id}/candidacies", response={200: CandidacyPage, **READ_ERRORS})
def list_candidacies(
    request: HttpRequest, opening_id: Id, filters: Query[CandidacyQuery]
) -> dict[str, Any]:
    """The opening's candidacies; `q` searches names, notes and CV text."""
    opening = selectors.opening_get(workspace=request.workspace, pk=opening_id)  # type: ignore[attr-defined]
    qs = selectors.candidacy_list(
        workspace=request.workspace,  # type: ignore[attr-defined]
        opening=opening,
        stage=filters.stage_id,
        q=filters.q,
    )
    items = list(qs[filters.offset : filters.offset + filters.limit])
    return {
        "count": qs.count(),
        "limit": filters.limit,
        "offset": filters.offset,
        "items": [_candidacy_out(c) for c in items],
    }


@router.post("/openings/{opening_id}/candidacies", response={201: CandidacyDetailOut, **ERRORS})
def create_candidacy(
    request: HttpRequest, opening_id: Id, payload: CandidacyIn
) -> Status[dict[str, Any]]:
    """A person of the workspace becomes a candidate (at the first stage unless given)."""
    require_writer(request)
    opening = selectors.opening_get(workspace=request.workspace, pk=opening_id)  # type: ignore[attr-defined]
    person = Person.objects.filter(workspace=request.workspace, pk=payload.person_id).first()  # type: ignore[attr-defined]
    if person is None:
        raise ValidationError({"person_id": _("Choose a person of this workspace.")})
    candidacy = services.candidacy_create(
        opening=opening,
        person=person,
        stage=_stage(request, payload.stage_id, "stage_id"),
        source=payload.source,
        by=request.user,
    )
    return Status(201, _candidacy_detail(request, candidacy.pk))


@router.get("/candidacies/{candidacy_id}", response={200: CandidacyDetailOut, **READ_ERRORS})
def get_candidacy(request: HttpRequest, candidacy_id: Id) -> dict[str, Any]:
    """One candidacy with its stage history and its notes."""
    return _candidacy_detail(request, candidacy_id)


@router.post("/candidacies/{candidacy_id}/move", response={200: CandidacyDetailOut, **ERRORS})
def move_candidacy(request: HttpRequest, candidacy_id: Id, payload: MoveIn) -> dict[str, Any]:
    """Move to another stage of the workspace (rejecting goes through the rejections)."""
    require_writer(request)
    candidacy = selectors.candidacy_get(workspace=request.workspace, pk=candidacy_id)  # type: ignore[attr-defined]
    stage = _stage(request, payload.stage_id, "stage_id")
    assert stage is not None
    try:
        services.candidacy_move(candidacy=candidacy, stage=stage, by=request.user)
    except ValidationError as exc:
        if hasattr(exc, "error_dict") and "stage" in exc.error_dict:
            raise ValidationError({"stage_id": exc.error_dict["stage"]}) from exc
        raise
    return _candidacy_detail(request, candidacy_id)


@router.post("/candidacies/{candidacy_id}/notes", response={201: NoteOut, **ERRORS})
def add_note(request: HttpRequest, candidacy_id: Id, payload: NoteIn) -> Status[dict[str, Any]]:
    """A note and/or a rating (1–5) at the candidacy's current stage."""
    require_writer(request)
    candidacy = selectors.candidacy_get(workspace=request.workspace, pk=candidacy_id)  # type: ignore[attr-defined]
    note = services.stage_note_add(
        candidacy=candidacy, text=payload.text, rating=payload.rating, author=request.user
    )
    return Status(
        201,
        {
            "id": note.pk,
            "stage_id": note.stage_id,
            "text": note.text,
            "rating": note.rating,
            "created_at": note.created_at,
        },
    )


# --- CVs -------------------------------------------------------------------------------------


class DocumentOut(Schema):
    """An uploaded CV; `state` is "pending" until the worker has read its text ("done") or
    given up ("failed", with `error`; the file is then removed)."""

    id: int
    person_id: int
    candidacy_id: int | None
    original_name: str
    content_type: str
    size: int
    pages: int | None
    state: str
    error: str
    created_at: dt.datetime


class DocumentDetailOut(DocumentOut):
    text: str = Field(description="The extracted text (empty until the state is done).")


# The body is read by hand (after the role, the candidacy and the announced length were
# checked), so the multipart form is described here rather than by a File parameter.
CV_UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {
                            "type": "string",
                            "format": "binary",
                            "description": (
                                "The CV: a PDF or DOCX file (recognised by its bytes, not its "
                                "name), unencrypted, at most KP_CV_MAX_BYTES (10 MB) and "
                                "KP_CV_MAX_PAGES (30) pages."
                            ),
                        }
                    },
                }
            }
        },
    }
}


def _document_out(document: CandidateDocument) -> dict[str, Any]:
    return {f: getattr(document, f) for f in DocumentDetailOut.model_fields}


@router.post(
    "/candidacies/{candidacy_id}/documents",
    response={202: DocumentOut, **ERRORS},
    openapi_extra=CV_UPLOAD_BODY,
)
def upload_cv(request: HttpRequest, candidacy_id: Id) -> Status[dict[str, Any]]:
    """Upload a CV for the candidacy's person (multipart field `file`); the same checks as the
    web upload, then the worker reads its text for tags and search (poll the document).

    A file that is not a PDF or DOCX, is encrypted, damaged, empty, too large (refused by its
    announced length before the body is read) or has too many pages is a 422 on `file`, and
    nothing is stored."""
    require_writer(request)
    candidacy = selectors.candidacy_get(workspace=request.workspace, pk=candidacy_id)  # type: ignore[attr-defined]
    length = int(request.META.get("CONTENT_LENGTH") or 0)
    if length > cv.max_bytes() + 64 * 1024:  # the multipart framing needs a little room
        raise ValidationError({"file": cv.too_large_message(length)})
    try:
        upload = request.FILES.get("file")
    except MultiPartParserError as exc:
        raise ValidationError({"file": _("Send the CV as multipart/form-data.")}) from exc
    if upload is None:
        raise ValidationError(
            {"file": _("Send the CV as the multipart field “file”: a PDF or DOCX file.")}
        )
    document = cv.cv_upload(
        candidacy=candidacy, file=upload, filename=upload.name or "cv", by=request.user
    )
    return Status(202, _document_out(document))


@router.get(
    "/candidacies/{candidacy_id}/documents", response={200: list[DocumentOut], **READ_ERRORS}
)
def list_cvs(request: HttpRequest, candidacy_id: Id) -> list[dict[str, Any]]:
    """The CVs of the candidacy's person in this workspace, newest first."""
    candidacy = selectors.candidacy_get(workspace=request.workspace, pk=candidacy_id)  # type: ignore[attr-defined]
    return [_document_out(d) for d in selectors.candidacy_documents(candidacy=candidacy)]


@router.get("/documents/{document_id}", response={200: DocumentDetailOut, **READ_ERRORS})
def get_cv(request: HttpRequest, document_id: Id) -> dict[str, Any]:
    """One CV with its extracted text and the state of the reading."""
    document = selectors.document_get(workspace=request.workspace, pk=document_id)  # type: ignore[attr-defined]
    return _document_out(document)


_CV_FILE = {"schema": {"type": "string", "format": "binary"}}


@router.get(
    "/documents/{document_id}/file",
    response=READ_ERRORS,
    openapi_extra={
        "responses": {
            "200": {
                "description": "The stored CV, as an attachment of its own type.",
                "content": {cv.PDF: _CV_FILE, cv.DOCX: _CV_FILE},
            }
        }
    },
)
def download_cv(request: HttpRequest, document_id: Id) -> FileResponse:
    """The stored CV file (as on the web): a PDF or DOCX, sent as an attachment under its
    uploaded name made safe; a CV the worker could not read has no file (404)."""
    document = selectors.document_get(workspace=request.workspace, pk=document_id)  # type: ignore[attr-defined]
    if not document.file.name or document.state == "failed":
        raise Http404
    return file_download(
        document.file.open("rb"),
        name=safe_filename(document.original_name, suffix=cv.SUFFIXES[document.content_type]),
        content_type=document.content_type,
    )
