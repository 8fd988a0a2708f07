"""Imports: upload (multipart) → the worker reads it → preview (or column mapping) → confirm
→ progress; cancel at any step.

As on the web, the request only stores the file and queues its reading: a new job is in
state "parsing" until the worker has built the preview. Poll the job for its state.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from django.http import HttpRequest
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from kontaktpflege.api.errors import require_writer
from kontaktpflege.api.schemas import ERRORS, READ_ERRORS, Id
from kontaktpflege.dataio import selectors, services
from kontaktpflege.dataio.models import ImportFormat, ImportJob

router = Router(tags=["imports"])


class ProblemOut(Schema):
    """Problems or notes of one row of the file (row numbers as in the file)."""

    row: int
    kind: str
    problems: list[str]


class ImportJobOut(Schema):
    """An import and where it is: the preview's counts and problems, progress, the result."""

    id: int
    filename: str
    format: str
    state: str
    total_rows: int
    processed_rows: int
    percent: int
    counts: dict[str, int]
    problems: list[ProblemOut]
    error: str
    cancel_requested: bool
    headers: list[str]
    columns: dict[str, str]
    created_at: dt.datetime
    finished_at: dt.datetime | None

    @staticmethod
    def resolve_headers(obj: ImportJob) -> list[str]:
        return [str(h) for h in obj.mapping.get("headers", [])]

    @staticmethod
    def resolve_columns(obj: ImportJob) -> dict[str, str]:
        return {str(k): str(v) for k, v in (obj.mapping.get("columns") or {}).items()}


class FieldOut(Schema):
    """A field a column can be mapped to."""

    key: str
    label: str


class MappingIn(Schema):
    """Which column (by index, as text) holds which field; remembered for this header."""

    columns: Annotated[
        dict[Annotated[str, Field(pattern=r"^[0-9]{1,3}$")], Annotated[str, Field(max_length=40)]],
        Field(max_length=500),
    ]
    remember: bool = True


class ImportQuery(Schema):
    limit: Annotated[int, Field(ge=1, le=50)] = 10


def _job(request: HttpRequest, pk: int) -> ImportJob:
    return selectors.import_job_get(workspace=request.workspace, pk=pk)  # type: ignore[attr-defined]


@router.get("/imports", response={200: list[ImportJobOut], **READ_ERRORS})
def list_imports(request: HttpRequest, query: Query[ImportQuery]) -> list[ImportJob]:
    """The latest imports, newest first."""
    return list(selectors.import_jobs_recent(workspace=request.workspace, limit=query.limit))  # type: ignore[attr-defined]


@router.post("/imports", response={202: ImportJobOut, **ERRORS})
def upload_import(
    request: HttpRequest,
    file: File[UploadedFile],
    format: Form[ImportFormat] = ImportFormat.AUTO,
) -> Status[ImportJob]:
    """Upload a contacts file; the worker reads it (state "parsing") and builds the preview."""
    require_writer(request)
    job = services.import_job_create(
        workspace=request.workspace,  # type: ignore[attr-defined]
        user=request.user,  # type: ignore[arg-type]
        data=file,
        filename=file.name or "upload",
        fmt=format,
    )
    return Status(202, _job(request, job.pk))


@router.get("/imports/fields", response={200: list[FieldOut], **READ_ERRORS})
def list_import_fields(request: HttpRequest) -> list[dict[str, str]]:
    """The fields a column can be mapped to ("" ignores the column)."""
    return [{"key": k, "label": str(v)} for k, v in services.mapping_choices()]


@router.get("/imports/{job_id}", response={200: ImportJobOut, **READ_ERRORS})
def get_import(request: HttpRequest, job_id: Id) -> ImportJob:
    """One import: its preview while waiting for confirmation, then progress and result."""
    return _job(request, job_id)


@router.put("/imports/{job_id}/mapping", response={202: ImportJobOut, **ERRORS})
def set_import_mapping(request: HttpRequest, job_id: Id, payload: MappingIn) -> Status[ImportJob]:
    """Choose the columns; the worker reads the file again (state "parsing")."""
    require_writer(request)
    job = services.import_mapping_set(
        job=_job(request, job_id), columns=payload.columns, remember=payload.remember
    )
    return Status(202, job)


@router.post("/imports/{job_id}/confirm", response={202: ImportJobOut, **ERRORS})
def confirm_import(request: HttpRequest, job_id: Id) -> Status[ImportJob]:
    """Start a previewed import in the worker (once: a second confirm is refused)."""
    require_writer(request)
    return Status(202, services.import_confirm(job=_job(request, job_id)))


@router.post("/imports/{job_id}/cancel", response={200: ImportJobOut, **ERRORS})
def cancel_import(request: HttpRequest, job_id: Id) -> ImportJob:
    """Discard an import not yet started (its file is deleted), or stop a running one after
    its current chunk (what is imported stays)."""
    require_writer(request)
    return services.import_cancel(job=_job(request, job_id))
