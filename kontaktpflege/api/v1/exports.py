"""Exports: the people list (with its filters) as CSV, XLSX or vCard; the JSON backup."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from ninja import Query, Router

from kontaktpflege.api.errors import require_owner
from kontaktpflege.api.schemas import READ_ERRORS, ErrorOut, ValidationErrorOut
from kontaktpflege.api.v1.people import PersonFilterQuery
from kontaktpflege.contacts import selectors
from kontaktpflege.dataio import exporters
from kontaktpflege.dataio.backup import backup_chunks

router = Router(tags=["exports"])

_TEXT = {"schema": {"type": "string"}}
_BINARY = {"schema": {"type": "string", "format": "binary"}}


def _download(description: str, content: dict[str, Any]) -> dict[str, Any]:
    """OpenAPI for an operation answering with a file instead of JSON."""
    return {"responses": {"200": {"description": description, "content": content}}}


class ExportQuery(PersonFilterQuery):
    """The people list's filters (as GET /people, with the same validation) and the format."""

    format: Literal["csv", "xlsx", "vcard", "vcard3"] = "csv"


def _stamp() -> str:
    return dt.date.today().isoformat()  # noqa: DTZ011 - only a file name


@router.get(
    "/exports/people",
    response={401: ErrorOut, 422: ValidationErrorOut},
    openapi_extra=_download(
        "The people as a file",
        {
            "text/csv": _TEXT,
            "text/vcard": _TEXT,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": _BINARY,
        },
    ),
)
def export_people(request: HttpRequest, filters: Query[ExportQuery]) -> HttpResponse:
    """People matching the filters as CSV (Excel-safe), XLSX, vCard 4.0 or 3.0."""
    qs = selectors.person_list(
        workspace=request.workspace,  # type: ignore[attr-defined]
        filters=filters.person_filters(),
    )
    people = exporters.people_for_export(qs).iterator(chunk_size=2000)
    export = exporters.export_people(people, filters.format, _stamp())
    response: HttpResponse | StreamingHttpResponse
    if isinstance(export.content, bytes):
        response = HttpResponse(export.content, content_type=export.content_type)
    else:
        response = StreamingHttpResponse(export.content, content_type=export.content_type)
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    return response  # type: ignore[return-value]


@router.get(
    "/backup",
    response={k: v for k, v in READ_ERRORS.items() if k != 404} | {403: ErrorOut},
    openapi_extra=_download(
        "The workspace's JSON backup", {"application/json": {"schema": {"type": "object"}}}
    ),
)
def download_backup(request: HttpRequest) -> StreamingHttpResponse:
    """The full JSON backup of the workspace (owners only; it holds no secrets)."""
    require_owner(request)
    response = FileResponse(
        iter(chunk.encode() for chunk in backup_chunks(workspace=request.workspace)),  # type: ignore[attr-defined]
        content_type="application/json",
    )
    response["Content-Disposition"] = f'attachment; filename="kontaktpflege-backup-{_stamp()}.json"'
    return response
