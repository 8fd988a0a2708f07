"""Network conversations (seed 003), their insights, and activations of dormant contacts (004).

The same services as the web pages; rows of another workspace are 404.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema, Status

from kontaktpflege.api.errors import require_writer
from kontaktpflege.api.schemas import ERRORS, READ_ERRORS, Date, DateTime, Id, InputSchema
from kontaktpflege.applications import activation as act
from kontaktpflege.applications import conversations as conv
from kontaktpflege.applications.models import Activation, Conversation, Insight
from kontaktpflege.contacts.selectors import organisation_get, person_get

router = Router(tags=["conversations"])
Text = Annotated[str, Field(max_length=50000)]


class ConversationIn(InputSchema):
    """Plan a conversation: with whom, the goal, optionally from a target company."""

    person_id: Id
    goal: str = Field(max_length=500)
    organisation_id: Id | None = None
    planned_at: DateTime | None = None


class PreparationIn(InputSchema):
    """The preparation (replaces what was there)."""

    goal: str = Field(max_length=500)
    research: Text = ""
    questions: Annotated[str, Field(max_length=20000)] = ""
    target_company_ids: list[Id] = Field(default_factory=list, max_length=200)
    checklist: list[str] = Field(default_factory=list, max_length=10)
    planned_at: DateTime | None = None


class HoldIn(InputSchema):
    """When it was held (default now)."""

    held_at: DateTime | None = None


class NewContactIn(InputSchema):
    name: str = Field(max_length=200)
    email: str = Field("", max_length=254)
    organisation: str = Field("", max_length=200)


class InsightIn(InputSchema):
    organisation_id: Id
    text: str = Field(max_length=5000)


class DebriefIn(InputSchema):
    """What I learned, the new contacts named, insights per target company."""

    learned: Text = ""
    new_contacts: list[NewContactIn] = Field(default_factory=list, max_length=20)
    insights: list[InsightIn] = Field(default_factory=list, max_length=20)


class InsightOut(Schema):
    id: int
    organisation_id: int
    conversation_id: int | None
    text: str
    created_at: dt.datetime


class ConversationOut(Schema):
    id: int
    person_id: int
    organisation_id: int | None
    goal: str
    status: str
    planned_at: dt.datetime | None
    held_at: dt.datetime | None
    research: str
    questions: str
    target_company_ids: list[int]
    checklist: dict[str, bool]
    learned: str
    new_contact_ids: list[int]
    insights: list[InsightOut]
    thanked_at: dt.datetime | None
    touchpoint_id: int | None


def _out(c: Conversation) -> dict[str, Any]:
    c = conv.conversation_get(workspace=c.workspace, pk=c.pk)
    return {
        **{f: getattr(c, f) for f in ("id", "person_id", "organisation_id", "goal", "status")},
        **{f: getattr(c, f) for f in ("planned_at", "held_at", "research", "questions")},
        "target_company_ids": [o.pk for o in c.target_companies.all()],
        "checklist": c.checklist or {},
        "learned": c.learned,
        "new_contact_ids": [p.pk for p in c.new_contacts.all()],
        "insights": list(c.insights.all()),
        "thanked_at": c.thanked_at,
        "touchpoint_id": c.touchpoint_id,
    }


def _get(request: HttpRequest, pk: int) -> Conversation:
    return conv.conversation_get(workspace=request.workspace, pk=pk)  # type: ignore[attr-defined]


@router.get("/conversations", response={200: list[ConversationOut], **READ_ERRORS})
def list_conversations(request: HttpRequest, status: str = "") -> list[dict[str, Any]]:
    """The workspace's conversations (at most 500), optionally of one status."""
    rows = conv.conversation_list(workspace=request.workspace, status=status)[:500]  # type: ignore[attr-defined]
    return [_out(c) for c in rows]


@router.post("/conversations", response={201: ConversationOut, **ERRORS})
def plan_conversation(request: HttpRequest, payload: ConversationIn) -> Status[dict[str, Any]]:
    """Plan a conversation with a person and a goal."""
    require_writer(request)
    ws = request.workspace  # type: ignore[attr-defined]
    org = (
        organisation_get(workspace=ws, pk=payload.organisation_id)
        if payload.organisation_id
        else None
    )
    c = conv.conversation_plan(
        workspace=ws,
        person=person_get(workspace=ws, pk=payload.person_id),
        goal=payload.goal,
        organisation=org,
        planned_at=payload.planned_at,
    )
    return Status(201, _out(c))


@router.get("/conversations/{conversation_id}", response={200: ConversationOut, **READ_ERRORS})
def get_conversation(request: HttpRequest, conversation_id: Id) -> dict[str, Any]:
    """One conversation with its preparation, debrief and insights."""
    return _out(_get(request, conversation_id))


@router.put(
    "/conversations/{conversation_id}/preparation", response={200: ConversationOut, **ERRORS}
)
def prepare_conversation(
    request: HttpRequest, conversation_id: Id, payload: PreparationIn
) -> dict[str, Any]:
    """Save the preparation (target companies from my own target list only)."""
    require_writer(request)
    c = _get(request, conversation_id)
    conv.conversation_prepare(conversation=c, **payload.dict())
    return _out(c)


@router.post("/conversations/{conversation_id}/hold", response={200: ConversationOut, **ERRORS})
def hold_conversation(request: HttpRequest, conversation_id: Id, payload: HoldIn) -> dict[str, Any]:
    """Mark it held; logs the meeting with the person."""
    require_writer(request)
    c = _get(request, conversation_id)
    held_at = payload.held_at or timezone.now()
    conv.conversation_hold(conversation=c, held_at=held_at, user=request.user)  # type: ignore[arg-type]
    return _out(c)


@router.post("/conversations/{conversation_id}/debrief", response={200: ConversationOut, **ERRORS})
def debrief_conversation(
    request: HttpRequest, conversation_id: Id, payload: DebriefIn
) -> dict[str, Any]:
    """Debrief: new contacts become people introduced by the partner; insights go on targets."""
    require_writer(request)
    c = _get(request, conversation_id)
    conv.conversation_debrief(
        conversation=c,
        learned=payload.learned,
        new_contacts=[
            conv.NewContact(n.name, n.email, n.organisation) for n in payload.new_contacts
        ],
        insights=[conv.InsightIn(i.organisation_id, i.text) for i in payload.insights],
    )
    return _out(c)


@router.post("/conversations/{conversation_id}/thanked", response={200: ConversationOut, **ERRORS})
def thank_conversation(request: HttpRequest, conversation_id: Id) -> dict[str, Any]:
    """I thanked them another way (a call, a card)."""
    require_writer(request)
    c = _get(request, conversation_id)
    conv.conversation_mark_thanked(conversation=c)
    return _out(c)


@router.delete("/conversations/{conversation_id}", response={204: None, **ERRORS})
def delete_conversation(request: HttpRequest, conversation_id: Id) -> Status[None]:
    """Delete a conversation; people, new contacts and the logged meeting stay."""
    require_writer(request)
    conv.conversation_delete(conversation=_get(request, conversation_id))
    return Status(204, None)


@router.get(
    "/organisations/{organisation_id}/insights", response={200: list[InsightOut], **READ_ERRORS}
)
def list_insights(request: HttpRequest, organisation_id: Id) -> list[Insight]:
    """What conversations taught about an organisation, newest first."""
    org = organisation_get(workspace=request.workspace, pk=organisation_id)  # type: ignore[attr-defined]
    return list(conv.insights_for_organisation(organisation=org)[:500])


# --- activations -----------------------------------------------------------------------------


class CandidateOut(Schema):
    person_id: int
    name: str
    useful: int
    easy: int
    strength: int
    at_target: bool
    shared_tags: list[str]
    reach: list[str]
    channels: list[str]
    missing_contact_data: bool


class ActivationIn(InputSchema):
    person_id: Id
    goal: str = Field(max_length=20)
    offer: str = Field("", max_length=5000)
    circle: str = Field("network", max_length=10)


class ActivationPatch(InputSchema):
    goal: str = Field(max_length=20)
    offer: str = Field("", max_length=5000)
    circle: str = Field("", max_length=10)


class MeetingIn(InputSchema):
    meeting_on: Date


class ActivationDoneIn(InputSchema):
    summary: str = Field(max_length=300)
    circle: str = Field("", max_length=10)  # empty: the circle chosen when it started
    channel: str = Field("meeting", max_length=20)


class ActivationOut(Schema):
    id: int
    person_id: int
    goal: str
    offer: str
    meeting_on: dt.date | None
    circle: str
    completed_at: dt.datetime | None
    starters: list[str]


def _activation_out(a: Activation) -> dict[str, Any]:
    fields = ("id", "person_id", "goal", "offer", "meeting_on", "circle", "completed_at")
    return {**{f: getattr(a, f) for f in fields}, "starters": list(act.starters_for(a.person))}


@router.get("/activation/candidates", response={200: list[CandidateOut], **READ_ERRORS})
def activation_candidates(request: HttpRequest) -> list[dict[str, Any]]:
    """Step 1: dormant contacts by how useful, then how easy to reach (seed 004)."""
    found = act.activation_candidates(
        workspace=request.workspace,  # type: ignore[attr-defined]
        user=request.user,  # type: ignore[arg-type]
        now=timezone.now(),
    )
    return [
        {
            "person_id": c.person.pk,
            "name": c.person.full_name,
            "useful": c.useful,
            "easy": c.easy,
            "strength": c.strength,
            "at_target": c.at_target,
            "shared_tags": c.shared_tags,
            "reach": [f"{name} ({org})" for name, org in c.reach],
            "channels": c.channels,
            "missing_contact_data": c.missing_contact_data,
        }
        for c in found
    ]


def _activation(request: HttpRequest, pk: int) -> Activation:
    return act.activation_get(workspace=request.workspace, pk=pk)  # type: ignore[attr-defined]


@router.post("/activations", response={201: ActivationOut, **ERRORS})
def start_activation(request: HttpRequest, payload: ActivationIn) -> Status[dict[str, Any]]:
    """Step 2: the goal and the help offered first."""
    require_writer(request)
    ws = request.workspace  # type: ignore[attr-defined]
    a = act.activation_start(
        workspace=ws,
        person=person_get(workspace=ws, pk=payload.person_id),
        goal=payload.goal,
        offer=payload.offer,
        circle=payload.circle,
    )
    return Status(201, _activation_out(a))


@router.get("/activations/{activation_id}", response={200: ActivationOut, **READ_ERRORS})
def get_activation(request: HttpRequest, activation_id: Id) -> dict[str, Any]:
    """One activation with three conversation starters in the person's language."""
    return _activation_out(_activation(request, activation_id))


@router.patch("/activations/{activation_id}", response={200: ActivationOut, **ERRORS})
def update_activation(
    request: HttpRequest, activation_id: Id, payload: ActivationPatch
) -> dict[str, Any]:
    """Change the goal or the help offered."""
    require_writer(request)
    a = act.activation_update(activation=_activation(request, activation_id), **payload.dict())
    return _activation_out(a)


@router.post("/activations/{activation_id}/meeting", response={200: ActivationOut, **ERRORS})
def plan_activation_meeting(
    request: HttpRequest, activation_id: Id, payload: MeetingIn
) -> dict[str, Any]:
    """Plan the meeting; it is due on Today on its day."""
    require_writer(request)
    a = act.activation_plan_meeting(
        activation=_activation(request, activation_id), meeting_on=payload.meeting_on
    )
    return _activation_out(a)


@router.post("/activations/{activation_id}/done", response={200: ActivationOut, **ERRORS})
def complete_activation(
    request: HttpRequest, activation_id: Id, payload: ActivationDoneIn
) -> dict[str, Any]:
    """Log the conversation; the person returns from dormant into the chosen circle."""
    require_writer(request)
    a = _activation(request, activation_id)
    act.activation_complete(activation=a, user=request.user, **payload.dict())  # type: ignore[arg-type]
    return _activation_out(a)
