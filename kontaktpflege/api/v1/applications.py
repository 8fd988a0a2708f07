"""Applications (seed 000): CRUD, stage moves, contacts with roles and interviews.

The same services as the web pages; another workspace's application or interview is a 404,
another workspace's organisation or person in a body is a 422 on its field.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from kontaktpflege.api.errors import require_writer
from kontaktpflege.api.schemas import ERRORS, READ_ERRORS, Date, DateTime, Id, InputSchema
from kontaktpflege.applications import selectors, services
from kontaktpflege.applications.models import (
    Application,
    ContactRole,
    Interview,
    InterviewKind,
    Stage,
)
from kontaktpflege.contacts.models import Organisation, Person

router = Router(tags=["applications"])

StageName = Annotated[str, Field(description=", ".join(Stage.values), max_length=20)]


class ContactOut(Schema):
    person_id: int
    name: str
    role: str


class InterviewOut(Schema):
    id: int
    application_id: int
    at: dt.datetime
    kind: str
    participant_ids: list[int]
    notes: str
    questions: str


class NextFollowUpOut(Schema):
    id: int
    rule: str
    due_on: dt.date
    person_id: int


class ApplicationOut(Schema):
    id: int
    organisation_id: int
    organisation: str
    position: str
    posting_url: str
    stage: str
    applied_on: dt.date | None
    rejected_on: dt.date | None
    salary_min: int | None
    salary_max: int | None
    salary_currency: str
    outcome: str
    feedback: str
    lessons: str
    notes: str
    contacts: list[ContactOut]
    next_followup: NextFollowUpOut | None = None


class ApplicationPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[ApplicationOut]


class ApplicationPatch(InputSchema):
    """The fields to change; omitted ones stay."""

    organisation_id: Id | None = None
    position: str | None = Field(None, max_length=200)
    posting_url: str | None = Field(None, max_length=500)
    stage: StageName | None = None
    applied_on: Date | None = None
    rejected_on: Date | None = None
    salary_min: Annotated[int, Field(ge=0, le=10**9)] | None = None
    salary_max: Annotated[int, Field(ge=0, le=10**9)] | None = None
    salary_currency: str | None = Field(None, max_length=3)
    outcome: str | None = Field(None, max_length=5000)
    feedback: str | None = Field(None, max_length=10000)
    lessons: str | None = Field(None, max_length=10000)
    notes: str | None = Field(None, max_length=50000)


class ApplicationIn(ApplicationPatch):
    organisation_id: Id  # type: ignore[assignment]
    position: str = Field(max_length=200)  # type: ignore[assignment]


class MoveIn(InputSchema):
    stage: StageName
    rejected_on: Date | None = None


class ContactIn(InputSchema):
    person_id: Id
    role: str = Field(description=", ".join(ContactRole.values), max_length=20)


class InterviewIn(InputSchema):
    at: DateTime
    kind: str = Field(description=", ".join(InterviewKind.values), max_length=12)
    participant_ids: list[Id] = Field(default_factory=list, max_length=50)
    notes: str = Field("", max_length=50000)
    questions: str = Field("", max_length=20000)


class InterviewPatch(InputSchema):
    at: DateTime | None = None
    kind: str | None = Field(None, max_length=12)
    participant_ids: list[Id] | None = Field(None, max_length=50)
    notes: str | None = Field(None, max_length=50000)
    questions: str | None = Field(None, max_length=20000)


class ApplicationQuery(InputSchema):
    stage: str = Field("", max_length=20)
    q: str = Field("", max_length=200)
    limit: Annotated[int, Field(ge=1, le=200)] = 50
    offset: Annotated[int, Field(ge=0, le=10**9)] = 0


def _out(app: Application) -> dict[str, Any]:
    nxt = getattr(app, "next_followup", None)
    return {
        **{f: getattr(app, f) for f in ApplicationOut.model_fields if hasattr(app, f)},
        "organisation": app.organisation.name,
        "contacts": [
            {"person_id": c.person_id, "name": c.person.full_name, "role": c.role}
            for c in app.application_contacts.all()
        ],
        "next_followup": (
            {"id": nxt.pk, "rule": nxt.rule, "due_on": nxt.due_on, "person_id": nxt.person_id}
            if nxt
            else None
        ),
    }


def _interview_out(iv: Interview) -> dict[str, Any]:
    return {
        "id": iv.pk,
        "application_id": iv.application_id,
        "at": iv.at,
        "kind": iv.kind,
        "participant_ids": [p.pk for p in iv.participants.all()],
        "notes": iv.notes,
        "questions": iv.questions,
    }


def _get(request: HttpRequest, pk: int) -> Application:
    app = selectors.application_get(workspace=request.workspace, pk=pk)  # type: ignore[attr-defined]
    selectors.attach_next_followups(workspace=request.workspace, applications=[app])  # type: ignore[attr-defined]
    return app


def _organisation(request: HttpRequest, pk: int) -> Organisation:
    org = Organisation.objects.filter(workspace=request.workspace, pk=pk).first()  # type: ignore[attr-defined]
    if org is None:
        raise ValidationError({"organisation_id": _("Choose an organisation of this workspace.")})
    return org


def _people(request: HttpRequest, ids: list[int], field: str) -> list[Person]:
    people = list(Person.objects.filter(workspace=request.workspace, pk__in=ids))  # type: ignore[attr-defined]
    if len(people) != len(set(ids)):
        raise ValidationError({field: _("Choose a person of this workspace.")})
    return people


def _fields(request: HttpRequest, data: dict[str, Any]) -> dict[str, Any]:
    if "organisation_id" in data:
        data["organisation"] = _organisation(request, data.pop("organisation_id"))
    return data


@router.get("/applications", response={200: ApplicationPage, **READ_ERRORS})
def list_applications(request: HttpRequest, filters: Query[ApplicationQuery]) -> dict[str, Any]:
    """Applications on the board's order, with their contacts and next follow-up."""
    qs = selectors.application_list(workspace=request.workspace, stage=filters.stage, q=filters.q)  # type: ignore[attr-defined]
    items = list(qs[filters.offset : filters.offset + filters.limit])
    selectors.attach_next_followups(workspace=request.workspace, applications=items)  # type: ignore[attr-defined]
    return {
        "count": qs.count(),
        "limit": filters.limit,
        "offset": filters.offset,
        "items": [_out(a) for a in items],
    }


@router.post("/applications", response={201: ApplicationOut, **ERRORS})
def create_application(request: HttpRequest, payload: ApplicationIn) -> Status[dict[str, Any]]:
    """Add an application (stage "saved" unless given)."""
    require_writer(request)
    data = _fields(request, payload.dict(exclude_unset=True))
    app = services.application_create(workspace=request.workspace, **data)  # type: ignore[attr-defined]
    return Status(201, _out(_get(request, app.pk)))


@router.get("/applications/{application_id}", response={200: ApplicationOut, **READ_ERRORS})
def get_application(request: HttpRequest, application_id: Id) -> dict[str, Any]:
    """One application."""
    return _out(_get(request, application_id))


@router.patch("/applications/{application_id}", response={200: ApplicationOut, **ERRORS})
def update_application(
    request: HttpRequest, application_id: Id, payload: ApplicationPatch
) -> dict[str, Any]:
    """Change the fields sent (a stage change to "rejected" needs rejected_on)."""
    require_writer(request)
    app = _get(request, application_id)
    services.application_update(
        application=app, **_fields(request, payload.dict(exclude_unset=True))
    )
    return _out(_get(request, application_id))


@router.post("/applications/{application_id}/move", response={200: ApplicationOut, **ERRORS})
def move_application(request: HttpRequest, application_id: Id, payload: MoveIn) -> dict[str, Any]:
    """Move to another stage; "rejected" needs rejected_on."""
    require_writer(request)
    app = _get(request, application_id)
    services.application_move_stage(
        application=app, stage=payload.stage, rejected_on=payload.rejected_on
    )
    return _out(_get(request, application_id))


@router.delete("/applications/{application_id}", response={204: None, **ERRORS})
def delete_application(request: HttpRequest, application_id: Id) -> Status[None]:
    """Delete an application with its interviews; the people stay."""
    require_writer(request)
    services.application_delete(application=_get(request, application_id))
    return Status(204, None)


@router.put("/applications/{application_id}/contacts", response={200: ApplicationOut, **ERRORS})
def set_contact(request: HttpRequest, application_id: Id, payload: ContactIn) -> dict[str, Any]:
    """Add a person with a role, or change the role of one already in."""
    require_writer(request)
    app = _get(request, application_id)
    (person,) = _people(request, [payload.person_id], "person_id")
    services.application_contact_add(application=app, person=person, role=payload.role)
    return _out(_get(request, application_id))


@router.delete(
    "/applications/{application_id}/contacts/{person_id}",
    response={200: ApplicationOut, **ERRORS},
)
def remove_contact(request: HttpRequest, application_id: Id, person_id: Id) -> dict[str, Any]:
    """Take a person off the application (and off its interviews)."""
    require_writer(request)
    app = _get(request, application_id)
    contact = next((c for c in app.application_contacts.all() if c.person_id == person_id), None)
    if contact is not None:
        services.application_contact_remove(application=app, person=contact.person)
    return _out(_get(request, application_id))


@router.get(
    "/applications/{application_id}/interviews",
    response={200: list[InterviewOut], **READ_ERRORS},
)
def list_interviews(request: HttpRequest, application_id: Id) -> list[dict[str, Any]]:
    """The application's interviews, earliest first."""
    app = _get(request, application_id)
    return [_interview_out(iv) for iv in app.interviews.all()]


@router.post("/applications/{application_id}/interviews", response={201: InterviewOut, **ERRORS})
def create_interview(
    request: HttpRequest, application_id: Id, payload: InterviewIn
) -> Status[dict[str, Any]]:
    """Record an interview; its participants become contacts (interviewers)."""
    require_writer(request)
    app = _get(request, application_id)
    data = payload.dict()
    people = _people(request, data.pop("participant_ids"), "participant_ids")
    interview = services.interview_add(application=app, participants=people, **data)
    return Status(201, _interview_out(interview))


@router.get("/interviews/{interview_id}", response={200: InterviewOut, **READ_ERRORS})
def get_interview(request: HttpRequest, interview_id: Id) -> dict[str, Any]:
    """One interview."""
    return _interview_out(selectors.interview_get(workspace=request.workspace, pk=interview_id))  # type: ignore[attr-defined]


@router.patch("/interviews/{interview_id}", response={200: InterviewOut, **ERRORS})
def update_interview(
    request: HttpRequest, interview_id: Id, payload: InterviewPatch
) -> dict[str, Any]:
    """Change the fields sent."""
    require_writer(request)
    interview = selectors.interview_get(workspace=request.workspace, pk=interview_id)  # type: ignore[attr-defined]
    data = payload.dict(exclude_unset=True)
    if "participant_ids" in data:
        data["participants"] = _people(
            request, data.pop("participant_ids") or [], "participant_ids"
        )
    interview = services.interview_update(interview=interview, **data)
    return _interview_out(selectors.interview_get(workspace=request.workspace, pk=interview.pk))  # type: ignore[attr-defined]


@router.delete("/interviews/{interview_id}", response={204: None, **ERRORS})
def delete_interview(request: HttpRequest, interview_id: Id) -> Status[None]:
    """Delete an interview."""
    require_writer(request)
    services.interview_delete(
        interview=selectors.interview_get(workspace=request.workspace, pk=interview_id)  # type: ignore[attr-defined]
    )
    return Status(204, None)
