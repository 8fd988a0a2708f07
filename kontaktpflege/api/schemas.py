"""Request and response schemas of the REST API (Pydantic v2 through django-ninja)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from ninja import Field, Schema
from pydantic import AfterValidator, field_validator
from pydantic_core import PydanticCustomError

from kontaktpflege.contacts.models import (
    Channel,
    Circle,
    FormOfAddress,
    Gender,
    RelationshipContext,
    TargetStatus,
)
from kontaktpflege.contacts.validation import date_range_message, surrogate_message
from kontaktpflege.core.text import has_lone_surrogate
from kontaktpflege.core.timeutils import in_date_range
from kontaktpflege.touchpoints.models import Direction, GiveTake

# Ids are positive 64-bit integers; larger numbers never reach the database.
MAX_ID = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


def _in_range(value: dt.date) -> dt.date:
    if not in_date_range(value):
        raise PydanticCustomError("date_range", date_range_message())
    return value


# Dates and times from 1900 to 2200: near year 1 or 9999 a zone conversion overflows.
Date = Annotated[dt.date, AfterValidator(_in_range)]
DateTime = Annotated[dt.datetime, AfterValidator(_in_range)]


def _has_surrogate(value: object) -> bool:
    if isinstance(value, str):
        return has_lone_surrogate(value)
    if isinstance(value, list | tuple):
        return any(_has_surrogate(item) for item in value)
    if isinstance(value, dict):
        return any(_has_surrogate(k) or _has_surrogate(v) for k, v in value.items())
    return False


class InputSchema(Schema):
    """Every request body and query: text holding a lone surrogate is refused (422).

    JSON may spell half of a UTF-16 pair ("\\ud800"); such text can be neither stored nor
    encoded, so it is refused here, for every field, before anything reads it.
    """

    @field_validator("*", mode="before")
    @classmethod
    def _no_lone_surrogates(cls, value: Any) -> Any:
        if _has_surrogate(value):
            raise PydanticCustomError("surrogate", surrogate_message())
        return value


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


class PersonIn(InputSchema):
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
    met_on: Date | None = None
    introduced_by_id: Id | None = None
    circle: Circle = Circle.NETWORK
    keep_in_touch_days: Annotated[int, Field(ge=1, le=3650)] | None = None
    notes: str = ""
    emails: Annotated[list[str], Field(max_length=50)] = []
    phones: Annotated[list[str], Field(max_length=50)] = []
    tags: Annotated[list[str], Field(max_length=100)] = []


class PersonPatch(InputSchema):
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
    met_on: Date | None = None
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
    """One page of people, the cursors of its neighbours and how many match (up to 10,000)."""

    count: int
    count_capped: bool = Field(False, description="True: more than `count` match")
    limit: int
    offset: int
    next_cursor: str | None = Field(None, description="Pass as `cursor` for the next page")
    previous_cursor: str | None = Field(None, description="Pass as `cursor` for the page before")
    items: list[PersonOut]


class OrganisationIn(InputSchema):
    """A new organisation."""

    name: str
    industry: str = ""
    region: str = ""
    website: str = ""
    notes: str = ""
    is_target: bool = False
    target_priority: Annotated[int, Field(ge=1, le=5)] = 3
    target_status: TargetStatus = TargetStatus.IDEA


class OrganisationPatch(InputSchema):
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
    """One page of organisations, the cursors of its neighbours and how many (up to 10,000)."""

    count: int
    count_capped: bool = Field(False, description="True: more than `count` match")
    limit: int
    offset: int
    next_cursor: str | None = Field(None, description="Pass as `cursor` for the next page")
    previous_cursor: str | None = Field(None, description="Pass as `cursor` for the page before")
    items: list[OrganisationOut]


class EmploymentIn(InputSchema):
    """A position at an organisation; a current one becomes the person's employer."""

    organisation_id: Id
    title: str = ""
    start_date: Date | None = None
    end_date: Date | None = None
    is_current: bool = True


class EmploymentOut(Schema):
    id: int
    organisation: Ref
    title: str
    start_date: dt.date | None
    end_date: dt.date | None
    is_current: bool


class RelationshipIn(InputSchema):
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


class TouchpointIn(InputSchema):
    """A touchpoint with one or more people; any touchpoint resets their cadence."""

    participant_ids: Annotated[list[Id], Field(min_length=1, max_length=200)]
    summary: str
    occurred_at: DateTime | None = None
    channel: Channel = Channel.MEETING
    direction: Direction = Direction.MUTUAL
    notes: str = ""
    give_take: GiveTake = GiveTake.NONE


class TouchpointPatch(InputSchema):
    """Changes to a touchpoint: only the fields sent are changed."""

    participant_ids: list[Id] = _sent(min_length=1, max_length=200)
    summary: str = _sent()
    occurred_at: DateTime = _sent()
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


class TagIn(InputSchema):
    name: str


class TagOut(Schema):
    id: int
    name: str
    people_count: int


class PathStepOut(Schema):
    """One person on a warm-introduction path and how they know the one before."""

    person: PersonRef
    name: str = Field(description="Name with academic title; your own first name first.")
    organisation: str = Field(description="Their current organisation, or empty.")
    relation: str = Field(description="How they know the previous person (empty for you).")


class IntroductionOut(Schema):
    """A ranked way in: the introducer's path to the target, its score and why."""

    introducer: PersonRef
    target: PersonRef
    degree: int = Field(description="1: you know them; 2: they know the target; 3: via a bridge.")
    score: int
    reasons: list[str]
    reach: int = Field(description="How many people at the target the introducer leads to.")
    text: str = Field(description='"Alice → Anna (Former colleague, strong) → Dr. Weber, Siemens"')
    path: list[PathStepOut]


class IntroductionsOut(Schema):
    """Whom you know at a target (first degree) and who can introduce you (second, third)."""

    first_degree: list[IntroductionOut]
    introducers: list[IntroductionOut]
    targets: int = Field(description="People at the target that were searched.")
    truncated: bool
    preparing: bool = Field(
        False,
        description=(
            "The workspace's network is large and still being prepared in the background: "
            "the lists are empty for now; ask again in a few seconds."
        ),
    )
