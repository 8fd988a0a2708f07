"""People: list with the web list's filters, create, read, change, delete."""

from __future__ import annotations

from typing import Annotated, Any

from django.db.models import Prefetch
from django.http import HttpRequest
from ninja import Field, Query, Router, Status

from kontaktpflege.api.errors import require_writer
from kontaktpflege.api.paging import api_page
from kontaktpflege.api.schemas import (
    ERRORS,
    READ_ERRORS,
    Date,
    Id,
    InputSchema,
    PersonIn,
    PersonOut,
    PersonPage,
    PersonPatch,
)
from kontaktpflege.contacts import selectors, services
from kontaktpflege.contacts.models import Circle, EmailAddress, Person, PhoneNumber
from kontaktpflege.core.keyset import MAX_CURSOR

router = Router(tags=["people"])


class PersonFilterQuery(InputSchema):
    """The filters of the people list, as on the web page (also the export's)."""

    q: str = Field("", max_length=200)
    circle: Circle | None = None
    tag: Id | None = None
    organisation: Id | None = None
    target_only: bool = False
    touched_after: Date | None = None
    touched_before: Date | None = None
    never_touched: bool = False
    sort: str = Field("name", pattern="^-?(name|last_touched|created)$")

    def person_filters(self) -> selectors.PersonFilters:
        """These filters for the people selector."""
        return selectors.PersonFilters(
            q=self.q,
            circle=self.circle or "",
            tag=self.tag,
            organisation=self.organisation,
            target_only=self.target_only,
            touched_after=self.touched_after,
            touched_before=self.touched_before,
            never_touched=self.never_touched,
            sort=self.sort,
        )


class PersonQuery(PersonFilterQuery):
    """The people list's filters and a page of it: follow `next_cursor` (offset is kept for
    old clients; a deep offset costs what it skips)."""

    limit: Annotated[int, Field(ge=1, le=200)] = 50
    offset: Annotated[int, Field(ge=0, le=10**9)] = 0
    cursor: str = Field("", max_length=MAX_CURSOR)


def _related(request: HttpRequest, data: dict[str, Any]) -> dict[str, Any]:
    """Swap organisation/introduced_by ids for rows of this workspace (404 otherwise)."""
    workspace = request.workspace  # type: ignore[attr-defined]
    if "organisation_id" in data:
        pk = data.pop("organisation_id")
        data["organisation"] = (
            selectors.organisation_get(workspace=workspace, pk=pk) if pk else None
        )
    if "introduced_by_id" in data:
        pk = data.pop("introduced_by_id")
        data["introduced_by"] = selectors.person_get(workspace=workspace, pk=pk) if pk else None
    return data


@router.get("/people", response={200: PersonPage, **READ_ERRORS})
def list_people(request: HttpRequest, filters: Query[PersonQuery]) -> dict[str, Any]:
    """People of the workspace: search (q), circle, tag, organisation, last touch; paged."""
    qs = selectors.person_list(
        workspace=request.workspace,  # type: ignore[attr-defined]
        filters=filters.person_filters(),
    ).prefetch_related(
        Prefetch("emails", queryset=EmailAddress.objects.order_by("-is_primary", "id")),
        Prefetch("phones", queryset=PhoneNumber.objects.order_by("-is_primary", "id")),
    )
    return api_page(
        qs,
        selectors.person_list_order(filters.person_filters()),
        limit=filters.limit,
        offset=filters.offset,
        cursor=filters.cursor,
    )


@router.post("/people", response={201: PersonOut, **ERRORS})
def create_person(request: HttpRequest, payload: PersonIn) -> Status[Person]:
    """Add a person with emails, phones, tags and a current organisation."""
    require_writer(request)
    workspace = request.workspace  # type: ignore[attr-defined]
    data = _related(request, payload.dict())
    person = services.person_create(workspace=workspace, **data)
    return Status(201, selectors.person_get(workspace=workspace, pk=person.pk))


@router.get("/people/{person_id}", response={200: PersonOut, **READ_ERRORS})
def get_person(request: HttpRequest, person_id: Id) -> Person:
    """One person."""
    return selectors.person_get(workspace=request.workspace, pk=person_id)  # type: ignore[attr-defined]


@router.patch("/people/{person_id}", response={200: PersonOut, **ERRORS})
def update_person(request: HttpRequest, person_id: Id, payload: PersonPatch) -> Person:
    """Change the fields sent; a new organisation or title is recorded as a job change."""
    require_writer(request)
    workspace = request.workspace  # type: ignore[attr-defined]
    person = selectors.person_get(workspace=workspace, pk=person_id)
    data = _related(request, payload.dict(exclude_unset=True))
    services.person_update(person=person, **data)
    return selectors.person_get(workspace=workspace, pk=person_id)


@router.delete("/people/{person_id}", response={204: None, **ERRORS})
def delete_person(request: HttpRequest, person_id: Id) -> Status[None]:
    """Delete a person with their contact points, connections and participations."""
    require_writer(request)
    person = selectors.person_get(workspace=request.workspace, pk=person_id)  # type: ignore[attr-defined]
    services.person_delete(person=person)
    return Status(204, None)
