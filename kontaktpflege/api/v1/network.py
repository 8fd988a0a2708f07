"""A person's employment history, who they know, and warm introductions to people and
companies."""

from __future__ import annotations

from typing import Annotated, Any

from django.http import Http404, HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from kontaktpflege.api.errors import require_writer
from kontaktpflege.api.schemas import (
    ERRORS,
    READ_ERRORS,
    EmploymentIn,
    EmploymentOut,
    Id,
    IntroductionsOut,
    RelationshipIn,
    RelationshipOut,
)
from kontaktpflege.contacts import selectors, services
from kontaktpflege.contacts.models import Employment
from kontaktpflege.network.selectors import (
    Introduction,
    Introductions,
    introductions_to_organisation,
    introductions_to_person,
)

router = Router(tags=["network"])


def _connection_out(connection: selectors.Connection) -> dict[str, Any]:
    edge = connection.relationship
    return {
        "id": edge.pk,
        "other": connection.other,
        "strength": edge.strength,
        "context": edge.context,
        "notes": edge.notes,
    }


@router.get("/people/{person_id}/employment", response={200: list[EmploymentOut], **READ_ERRORS})
def list_employment(request: HttpRequest, person_id: Id) -> list[Employment]:
    """A person's positions, current first."""
    person = selectors.person_get(workspace=request.workspace, pk=person_id)  # type: ignore[attr-defined]
    return selectors.person_employments(person=person)


@router.post("/people/{person_id}/employment", response={201: EmploymentOut, **ERRORS})
def record_employment(
    request: HttpRequest, person_id: Id, payload: EmploymentIn
) -> Status[Employment]:
    """Record a position; a current one becomes the person's employer and ends the previous."""
    require_writer(request)
    workspace = request.workspace  # type: ignore[attr-defined]
    person = selectors.person_get(workspace=workspace, pk=person_id)
    organisation = selectors.organisation_get(workspace=workspace, pk=payload.organisation_id)
    employment = services.employment_record(
        person=person,
        organisation=organisation,
        title=payload.title,
        start_date=payload.start_date,
        end_date=payload.end_date,
        is_current=payload.is_current,
    )
    return Status(201, employment)


@router.delete("/people/{person_id}/employment/{employment_id}", response={204: None, **ERRORS})
def delete_employment(request: HttpRequest, person_id: Id, employment_id: Id) -> Status[None]:
    """Remove a position from the history."""
    require_writer(request)
    workspace = request.workspace  # type: ignore[attr-defined]
    person = selectors.person_get(workspace=workspace, pk=person_id)
    employment = selectors.employment_get(workspace=workspace, pk=employment_id)
    if employment.person_id != person.pk:
        raise Http404
    services.employment_delete(employment=employment)
    return Status(204, None)


@router.get(
    "/people/{person_id}/relationships", response={200: list[RelationshipOut], **READ_ERRORS}
)
def list_relationships(request: HttpRequest, person_id: Id) -> list[dict[str, Any]]:
    """The people this person knows, strongest first."""
    person = selectors.person_get(workspace=request.workspace, pk=person_id)  # type: ignore[attr-defined]
    return [_connection_out(c) for c in selectors.person_relationships(person=person)]


@router.post("/people/{person_id}/relationships", response={200: RelationshipOut, **ERRORS})
def set_relationship(
    request: HttpRequest, person_id: Id, payload: RelationshipIn
) -> dict[str, Any]:
    """Create or update the edge to someone the person knows (strength 1–5, context)."""
    require_writer(request)
    workspace = request.workspace  # type: ignore[attr-defined]
    person = selectors.person_get(workspace=workspace, pk=person_id)
    other = selectors.person_get(workspace=workspace, pk=payload.other_id)
    edge = services.relationship_set(
        a=person, b=other, strength=payload.strength, context=payload.context, notes=payload.notes
    )
    return _connection_out(selectors.Connection(edge, other))


@router.delete(
    "/people/{person_id}/relationships/{relationship_id}", response={204: None, **ERRORS}
)
def delete_relationship(request: HttpRequest, person_id: Id, relationship_id: Id) -> Status[None]:
    """Remove a connection."""
    require_writer(request)
    workspace = request.workspace  # type: ignore[attr-defined]
    person = selectors.person_get(workspace=workspace, pk=person_id)
    edge = selectors.relationship_get(workspace=workspace, pk=relationship_id)
    if person.pk not in (edge.from_person_id, edge.to_person_id):
        raise Http404
    services.relationship_delete(relationship=edge)
    return Status(204, None)


class IntroductionQuery(Schema):
    limit: Annotated[int, Field(ge=1, le=50)] = 10


def _introduction_out(intro: Introduction) -> dict[str, Any]:
    return {
        "introducer": intro.introducer,
        "target": intro.target,
        "degree": intro.degree,
        "score": intro.score,
        "reasons": intro.reasons,
        "reach": intro.reach,
        "text": intro.text,
        "path": [
            {
                "person": s.person,
                "name": s.name,
                "organisation": s.organisation,
                "relation": s.label,
            }
            for s in intro.steps
        ],
    }


def _introductions_out(intros: Introductions) -> dict[str, Any]:
    return {
        "first_degree": [_introduction_out(i) for i in intros.first_degree],
        "introducers": [_introduction_out(i) for i in intros.introducers],
        "targets": intros.targets,
        "truncated": intros.truncated,
        "preparing": intros.preparing,
    }


@router.get("/people/{person_id}/introductions", response={200: IntroductionsOut, **READ_ERRORS})
def person_introductions(
    request: HttpRequest, person_id: Id, query: Query[IntroductionQuery]
) -> dict[str, Any]:
    """Whether you know this person, and who can introduce you (best first, with paths)."""
    workspace = request.workspace  # type: ignore[attr-defined]
    person = selectors.person_get(workspace=workspace, pk=person_id)
    if person.is_self:
        return _introductions_out(Introductions())
    intros = introductions_to_person(
        workspace=workspace,
        user=request.user,  # type: ignore[arg-type]
        person=person,
        limit=query.limit,
    )
    return _introductions_out(intros)


@router.get(
    "/organisations/{organisation_id}/introductions",
    response={200: IntroductionsOut, **READ_ERRORS},
)
def organisation_introductions(
    request: HttpRequest, organisation_id: Id, query: Query[IntroductionQuery]
) -> dict[str, Any]:
    """Whom you know at a company and who can introduce you there (best first, with paths)."""
    workspace = request.workspace  # type: ignore[attr-defined]
    org = selectors.organisation_get(workspace=workspace, pk=organisation_id)
    intros = introductions_to_organisation(
        workspace=workspace,
        user=request.user,  # type: ignore[arg-type]
        organisation=org,
        limit=query.limit,
    )
    return _introductions_out(intros)
