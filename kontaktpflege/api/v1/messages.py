"""Messages: compose from a template with notes, send (queue) or mark sent, the outbox.

An email is queued for the worker; its state in the outbox says where it is (queued,
sending, sent, failed; `is_uncertain` when the server may have accepted it before a crash).
The same idempotency key never creates a second message.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from kontaktpflege.api.errors import require_writer
from kontaktpflege.api.schemas import ERRORS, READ_ERRORS, Id, PersonRef
from kontaktpflege.api.v1.templates import DraftOut, draft_out
from kontaktpflege.contacts.models import Person
from kontaktpflege.contacts.selectors import person_get
from kontaktpflege.followups.selectors import followup_get_for_person
from kontaktpflege.messaging import compose, selectors, services
from kontaktpflege.messaging.models import (
    MAX_BODY_CHARS,
    MAX_NOTES_CHARS,
    MessageChannel,
    MessageState,
    OutboundMessage,
    TemplateVariant,
)

router = Router(tags=["messages"])


class ComposeIn(Schema):
    """A template (none: a blank letter) for a person, with your notes; optionally the
    follow-up it answers. Variant and channel default to the person's."""

    person_id: Id
    template: Annotated[str, Field(pattern=r"^[-a-zA-Z0-9_]{0,60}$")] = ""
    variant: TemplateVariant | None = None
    notes: Annotated[str, Field(max_length=MAX_NOTES_CHARS)] = ""
    followup_id: Id | None = None
    about: Annotated[str, Field(pattern=compose.ABOUT_RE.pattern)] | None = Field(
        None,
        description='What the message is about, e.g. "application:12"; default: '
        "the follow-up's subject.",
    )


def _about(request: HttpRequest, person: Person, payload: ComposeIn) -> str:
    if payload.about:
        return payload.about
    if payload.followup_id is None:
        return ""
    workspace = request.workspace  # type: ignore[attr-defined]
    return followup_get_for_person(
        workspace=workspace, person=person, pk=payload.followup_id
    ).subject


class ComposeOut(Schema):
    """The rendered draft with the channel, address and a fresh idempotency key to send it."""

    draft: DraftOut
    channel: str
    to_address: str
    idempotency_key: str


class MessageIn(ComposeIn):
    """Send (`send`: email is queued, other channels recorded) or `mark_sent`. Without
    subject and body the template with the notes goes out; with them, your text as written
    (your notes must then be in it)."""

    channel: MessageChannel | None = None
    to_address: Annotated[str, Field(max_length=320)] = ""
    subject: Annotated[str, Field(max_length=300)] = ""
    body: Annotated[str, Field(max_length=MAX_BODY_CHARS)] = ""
    idempotency_key: Annotated[str, Field(pattern=r"^[-A-Za-z0-9_]{1,64}$")]
    action: Literal["send", "mark_sent"] = "send"


class MessageOut(Schema):
    """A message of the outbox and where it is."""

    id: int
    person: PersonRef
    channel: str
    state: str
    is_uncertain: bool
    to_address: str
    subject: str
    body: str
    template_key: str
    variant: str
    followup_id: int | None
    attempts: int
    last_error: str
    sent_at: dt.datetime | None
    touchpoint_id: int | None
    created_at: dt.datetime


class MessagePage(Schema):
    count: int
    limit: int
    offset: int
    items: list[MessageOut]


class MessageQuery(Schema):
    """Filters of the outbox."""

    state: MessageState | None = None
    person: Id | None = None
    limit: Annotated[int, Field(ge=1, le=200)] = 50
    offset: Annotated[int, Field(ge=0, le=10**9)] = 0


def _followup(request: HttpRequest, person: Person, pk: int | None) -> int | None:
    if pk is None:
        return None
    workspace = request.workspace  # type: ignore[attr-defined]
    return followup_get_for_person(workspace=workspace, person=person, pk=pk).pk


@router.post("/messages/preview", response={200: ComposeOut, **ERRORS})
def preview_message(request: HttpRequest, payload: ComposeIn) -> dict[str, Any]:
    """Compose: render the template for the person with your notes; nothing is saved."""
    require_writer(request)
    workspace = request.workspace  # type: ignore[attr-defined]
    person = person_get(workspace=workspace, pk=payload.person_id)
    _followup(request, person, payload.followup_id)
    variant = payload.variant or selectors.default_variant(person)
    draft = compose.draft_for(
        workspace=workspace,
        person=person,
        user=request.user,  # type: ignore[arg-type]
        sender=selectors.sender_settings_for(workspace=workspace, user=request.user),  # type: ignore[arg-type]
        template_key=payload.template,
        variant=variant,
        notes=payload.notes,
        about=_about(request, person, payload),
    )
    return {
        "draft": draft_out(draft, variant),
        "channel": selectors.default_channel(person),
        "to_address": selectors.default_to_address(person),
        "idempotency_key": services.new_idempotency_key(),
    }


@router.post("/messages", response={201: MessageOut, **ERRORS})
def send_message(request: HttpRequest, payload: MessageIn) -> Status[OutboundMessage]:
    """Queue an email (or record a message you sent yourself) composed from a template."""
    require_writer(request)
    workspace = request.workspace  # type: ignore[attr-defined]
    person = person_get(workspace=workspace, pk=payload.person_id)
    channel = payload.channel or selectors.default_channel(person)
    message = services.message_compose_submit(
        workspace=workspace,
        person=person,
        user=request.user,  # type: ignore[arg-type]
        channel=channel,
        idempotency_key=payload.idempotency_key,
        send=payload.action == "send",
        to_address=payload.to_address or selectors.default_to_address(person),
        template_key=payload.template,
        variant=payload.variant or selectors.default_variant(person),
        notes=payload.notes,
        subject=payload.subject,
        body=payload.body,
        followup_id=_followup(request, person, payload.followup_id),
        about=_about(request, person, payload),
    )
    return Status(201, selectors.message_get(workspace=workspace, pk=message.pk))


@router.get("/messages", response={200: MessagePage, **READ_ERRORS})
def list_messages(request: HttpRequest, filters: Query[MessageQuery]) -> dict[str, Any]:
    """The outbox, newest first; filter by state or person."""
    workspace = request.workspace  # type: ignore[attr-defined]
    qs = selectors.outbox_list(workspace=workspace)
    if filters.state:
        qs = qs.filter(state=filters.state)
    if filters.person:
        qs = qs.filter(person=person_get(workspace=workspace, pk=filters.person))
    return {
        "count": qs.count(),
        "limit": filters.limit,
        "offset": filters.offset,
        "items": list(qs[filters.offset : filters.offset + filters.limit]),
    }


@router.get("/messages/{message_id}", response={200: MessageOut, **READ_ERRORS})
def get_message(request: HttpRequest, message_id: Id) -> OutboundMessage:
    """One message and its state."""
    return selectors.message_get(workspace=request.workspace, pk=message_id)  # type: ignore[attr-defined]
