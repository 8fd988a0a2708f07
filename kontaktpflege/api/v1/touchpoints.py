"""Touchpoints: log with participants, list (per person), read, change, delete."""

from __future__ import annotations

from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Status

from kontaktpflege.api.errors import require_writer
from kontaktpflege.api.schemas import (
    ERRORS,
    READ_ERRORS,
    Id,
    InputSchema,
    TouchpointIn,
    TouchpointOut,
    TouchpointPage,
    TouchpointPatch,
)
from kontaktpflege.contacts.selectors import people_by_ids, person_get
from kontaktpflege.touchpoints import selectors, services
from kontaktpflege.touchpoints.models import Touchpoint

router = Router(tags=["touchpoints"])


class TouchpointQuery(InputSchema):
    """Filters of the touchpoint list."""

    person: Id | None = None
    limit: Annotated[int, Field(ge=1, le=200)] = 50
    offset: Annotated[int, Field(ge=0, le=10**9)] = 0


@router.get("/touchpoints", response={200: TouchpointPage, **READ_ERRORS})
def list_touchpoints(request: HttpRequest, filters: Query[TouchpointQuery]) -> dict[str, Any]:
    """The log, newest first; with `person`, only that person's touchpoints."""
    workspace = request.workspace  # type: ignore[attr-defined]
    qs = selectors.touchpoint_list(workspace=workspace)
    if filters.person:
        person = person_get(workspace=workspace, pk=filters.person)
        qs = qs.filter(participation__person=person)
    return {
        "count": qs.count(),
        "limit": filters.limit,
        "offset": filters.offset,
        "items": list(qs[filters.offset : filters.offset + filters.limit]),
    }


@router.post("/touchpoints", response={201: TouchpointOut, **ERRORS})
def create_touchpoint(request: HttpRequest, payload: TouchpointIn) -> Status[Touchpoint]:
    """Log a touchpoint; it resets the participants' keep-in-touch cadence."""
    require_writer(request)
    workspace = request.workspace  # type: ignore[attr-defined]
    participants = people_by_ids(workspace=workspace, ids=payload.participant_ids)
    touchpoint = services.touchpoint_log(
        workspace=workspace,
        participants=participants,
        created_by=request.user,  # type: ignore[arg-type]
        **payload.dict(exclude={"participant_ids"}),
    )
    return Status(201, selectors.touchpoint_get(workspace=workspace, pk=touchpoint.pk))


@router.get("/touchpoints/{touchpoint_id}", response={200: TouchpointOut, **READ_ERRORS})
def get_touchpoint(request: HttpRequest, touchpoint_id: Id) -> Touchpoint:
    """One touchpoint with its participants."""
    return selectors.touchpoint_get(workspace=request.workspace, pk=touchpoint_id)  # type: ignore[attr-defined]


@router.patch("/touchpoints/{touchpoint_id}", response={200: TouchpointOut, **ERRORS})
def update_touchpoint(
    request: HttpRequest, touchpoint_id: Id, payload: TouchpointPatch
) -> Touchpoint:
    """Change the fields sent; people added or removed get their cadence recomputed."""
    require_writer(request)
    workspace = request.workspace  # type: ignore[attr-defined]
    touchpoint = selectors.touchpoint_get(workspace=workspace, pk=touchpoint_id)
    data = payload.dict(exclude_unset=True)
    ids = data.pop("participant_ids", None)
    participants = people_by_ids(workspace=workspace, ids=ids) if ids is not None else None
    services.touchpoint_update(touchpoint=touchpoint, participants=participants, **data)
    return selectors.touchpoint_get(workspace=workspace, pk=touchpoint_id)


@router.delete("/touchpoints/{touchpoint_id}", response={204: None, **ERRORS})
def delete_touchpoint(request: HttpRequest, touchpoint_id: Id) -> Status[None]:
    """Delete a touchpoint and recompute its people's cadence."""
    require_writer(request)
    touchpoint = selectors.touchpoint_get(workspace=request.workspace, pk=touchpoint_id)  # type: ignore[attr-defined]
    services.touchpoint_delete(touchpoint=touchpoint)
    return Status(204, None)
