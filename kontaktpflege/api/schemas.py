"""Request and response schemas of the REST API (Pydantic v2 through django-ninja)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from ninja import Field, Schema

from kontaktpflege.contacts.models import (
    Channel,
    Circle,
    FormOfAddress,
    Gender,
    RelationshipContext,
    TargetStatus,
)
from kontaktpflege.touchpoints.models import Direction, GiveTake

# Ids are positive 64-bit integers; larger numbers never reach the database.
MAX_ID = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


def _sent(**constraints: Any) -> Any:
    """A field of a change (PATCH) schema: absent means unchanged, null is refused."""
    return Field(None, **constraints)


class ErrorOut(Schema):
    """An error without field details (401, 403, 404)."""

    detail: str


class ValidationErrorOut(Schema):
    """Invalid input: a message per field; nothing was changed."""

    detail: str
    errors: dict[str, list[str]]


ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut}
READ_ERRORS = {401: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut}


class Ref(Schema):
    """A row named by id and name."""

    id: int
    name: str


class PersonRef(Schema):
    """A person named by id and name."""

    id: int
    first_name: str
    last_name: str


class EmailOut(Schema):
    email: str
    label: str
    is_primary: bool


class PhoneOut(Schema):
    number: str
    label: str
    is_primary: bool


class PersonIn(Schema):
    """A new person; emails, phones and tags are plain lists."""

    first_name: str = ""
    last_name: str = ""
    academic_title: str = ""
    gender: Gender = Gender.UNKNOWN
    organisation_id: Id | None = None
    job_title: str = ""
    linkedin_url: str = ""
    xing_url: str = ""
    website: str = ""
    birthday_day: Annotated[int, Field(ge=1, le=31)] | None = None
    birthday_month: Annotated[int, Field(ge=1, le=12)] | None = None
    birthday_year: Annotated[int, Field(ge=1, le=9999)] | None = None
    location: str = ""
    language: Annotated[str, Field(pattern="^(de|en)$")] = "de"
    form_of_address: FormOfAddress = FormOfAddress.SIE
    preferred_channel: Channel | Annotated[str, Field(max_length=0)] = ""
    how_we_met: str = ""
    met_on: dt.date | None = None
    introduced_by_id: Id | None = None
    circle: Circle = Circle.NETWORK
    keep_in_touch_days: Annotated[int, Field(ge=1, le=3650)] | None = None
    notes: str = ""
    emails: Annotated[list[str], Field(max_length=50)] = []
    phones: Annotated[list[str], Field(max_length=50)] = []
    tags: Annotated[list[str], Field(max_length=100)] = []


class PersonPatch(Schema):
    """Changes to a person: only the fields sent are changed."""

    first_name: str = _sent()
    last_name: str = _sent()
    academic_title: str = _sent()
    gender: Gender = _sent()
    organisation_id: Id | None = None
    job_title: str = _sent()
    linkedin_url: str = _sent()
    xing_url: str = _sent()
    website: str = _sent()
    birthday_day: Annotated[int, Field(ge=1, le=31)] | None = None
    birthday_month: Annotated[int, Field(ge=1, le=12)] | None = None
    birthday_year: Annotated[int, Field(ge=1, le=9999)] | None = None
    location: str = _sent()
    language: str = _sent(pattern="^(de|en)$")
    form_of_address: FormOfAddress = _sent()
    preferred_channel: Channel | Annotated[str, Field(max_length=0)] = _sent()
    how_we_met: str = _sent()
    met_on: dt.date | None = None
    introduced_by_id: Id | None = None
    circle: Circle = _sent()
    keep_in_touch_days: Annotated[int, Field(ge=1, le=3650)] | None = None
    notes: str = _sent()
    emails: list[str] = _sent(max_length=50)
    phones: list[str] = _sent(max_length=50)
    tags: list[str] = _sent(max_length=100)


class PersonOut(Schema):
    """A person with contact points, tags and current employer."""

    id: int
    first_name: str
    last_name: str
    academic_title: str
    gender: str
    organisation: Ref | None
    job_title: str
    linkedin_url: str
    xing_url: str
    website: str
    birthday_day: int | None
    birthday_month: int | None
    birthday_year: int | None
    location: str
    language: str
    form_of_address: str
    preferred_channel: str
    how_we_met: str
    met_on: dt.date | None
    introduced_by_id: int | None
    circle: str
    keep_in_touch_days: int | None
    interval_days: int
    notes: str
    is_self: bool
    emails: list[EmailOut]
    phones: list[PhoneOut]
    tags: list[Ref]
    last_touched_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime


class PersonPage(Schema):
    """One page of people and how many match in total."""

    count: int
    limit: int
    offset: int
    items: list[PersonOut]


class OrganisationIn(Schema):
    """A new organisation."""

    name: str
    industry: str = ""
    region: str = ""
    website: str = ""
    notes: str = ""
    is_target: bool = False
    target_priority: Annotated[int, Field(ge=1, le=5)] = 3
    target_status: TargetStatus = TargetStatus.IDEA


class OrganisationPatch(Schema):
    """Changes to an organisation: only the fields sent are changed."""

    name: str = _sent()
    industry: str = _sent()
    region: str = _sent()
    website: str = _sent()
    notes: str = _sent()
    is_target: bool = _sent()
    target_priority: int = _sent(ge=1, le=5)
    target_status: TargetStatus = _sent()


class OrganisationOut(Schema):
    id: int
    name: str
    industry: str
    region: str
    website: str
    notes: str
    is_target: bool
    target_priority: int
    target_status: str
    created_at: dt.datetime
    updated_at: dt.datetime


class OrganisationPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[OrganisationOut]


class EmploymentIn(Schema):
    """A position at an organisation; a current one becomes the person's employer."""

    organisation_id: Id
    title: str = ""
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    is_current: bool = True


class EmploymentOut(Schema):
    id: int
    organisation: Ref
    title: str
    start_date: dt.date | None
    end_date: dt.date | None
    is_current: bool


class RelationshipIn(Schema):
    """Create or update the edge between the person and someone they know."""

    other_id: Id
    strength: Annotated[int, Field(ge=1, le=5)] = 3
    context: RelationshipContext = RelationshipContext.OTHER
    notes: str = ""


class RelationshipOut(Schema):
    id: int
    other: PersonRef
    strength: int
    context: str
    notes: str


class TouchpointIn(Schema):
    """A touchpoint with one or more people; any touchpoint resets their cadence."""

    participant_ids: Annotated[list[Id], Field(min_length=1, max_length=200)]
    summary: str
    occurred_at: dt.datetime | None = None
    channel: Channel = Channel.MEETING
    direction: Direction = Direction.MUTUAL
    notes: str = ""
    give_take: GiveTake = GiveTake.NONE


class TouchpointPatch(Schema):
    """Changes to a touchpoint: only the fields sent are changed."""

    participant_ids: list[Id] = _sent(min_length=1, max_length=200)
    summary: str = _sent()
    occurred_at: dt.datetime = _sent()
    channel: Channel = _sent()
    direction: Direction = _sent()
    notes: str = _sent()
    give_take: GiveTake = _sent()


class TouchpointOut(Schema):
    id: int
    occurred_at: dt.datetime
    channel: str
    direction: str
    summary: str
    notes: str
    give_take: str
    source: str
    participants: list[PersonRef]
    created_at: dt.datetime


class TouchpointPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[TouchpointOut]


class TagIn(Schema):
    name: str


class TagOut(Schema):
    id: int
    name: str
    people_count: int
