"""Organisations, with the target-company flag, priority and status."""

from __future__ import annotations

from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Status

from kontaktpflege.api.errors import require_writer
from kontaktpflege.api.paging import api_page
from kontaktpflege.api.schemas import (
    ERRORS,
    READ_ERRORS,
    Id,
    InputSchema,
    OrganisationIn,
    OrganisationOut,
    OrganisationPage,
    OrganisationPatch,
)
from kontaktpflege.contacts import selectors, services
from kontaktpflege.contacts.models import Organisation
from kontaktpflege.core.keyset import MAX_CURSOR

router = Router(tags=["organisations"])


class OrganisationQuery(InputSchema):
    """Filters of the organisation list."""

    q: str = Field("", max_length=200)
    target_only: bool = False
    limit: Annotated[int, Field(ge=1, le=200)] = 50
    offset: Annotated[int, Field(ge=0, le=10**9)] = 0
    cursor: str = Field("", max_length=MAX_CURSOR)


@router.get("/organisations", response={200: OrganisationPage, **READ_ERRORS})
def list_organisations(request: HttpRequest, filters: Query[OrganisationQuery]) -> dict[str, Any]:
    """Organisations by name; target companies by priority with target_only."""
    qs = selectors.organisation_list(
        workspace=request.workspace,  # type: ignore[attr-defined]
        q=filters.q,
        target_only=filters.target_only,
    )
    order = selectors.TARGET_ORDER if filters.target_only else selectors.ORGANISATION_ORDER
    return api_page(qs, order, limit=filters.limit, offset=filters.offset, cursor=filters.cursor)


@router.post("/organisations", response={201: OrganisationOut, **ERRORS})
def create_organisation(request: HttpRequest, payload: OrganisationIn) -> Status[Organisation]:
    """Add an organisation."""
    require_writer(request)
    org = services.organisation_create(workspace=request.workspace, **payload.dict())  # type: ignore[attr-defined]
    return Status(201, org)


@router.get("/organisations/{organisation_id}", response={200: OrganisationOut, **READ_ERRORS})
def get_organisation(request: HttpRequest, organisation_id: Id) -> Organisation:
    """One organisation."""
    return selectors.organisation_get(workspace=request.workspace, pk=organisation_id)  # type: ignore[attr-defined]


@router.patch("/organisations/{organisation_id}", response={200: OrganisationOut, **ERRORS})
def update_organisation(
    request: HttpRequest, organisation_id: Id, payload: OrganisationPatch
) -> Organisation:
    """Change the fields sent."""
    require_writer(request)
    org = selectors.organisation_get(workspace=request.workspace, pk=organisation_id)  # type: ignore[attr-defined]
    return services.organisation_update(organisation=org, **payload.dict(exclude_unset=True))


@router.delete("/organisations/{organisation_id}", response={204: None, **ERRORS})
def delete_organisation(request: HttpRequest, organisation_id: Id) -> Status[None]:
    """Delete an organisation; its people stay, without an employer."""
    require_writer(request)
    org = selectors.organisation_get(workspace=request.workspace, pk=organisation_id)  # type: ignore[attr-defined]
    services.organisation_delete(organisation=org)
    return Status(204, None)
