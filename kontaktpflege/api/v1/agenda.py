"""The agenda: Today's follow-ups grouped with their reasons; done, snooze and skip.

Dates are the workspace's (every member sees the same due dates and "today"); reasons are in
the reader's language. Each action is one conditional update in the service, so a second
done, snooze or skip of the same item answers 422 "already closed" and changes nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from kontaktpflege.api.errors import require_writer
from kontaktpflege.api.schemas import ERRORS, READ_ERRORS, Id, PersonRef
from kontaktpflege.api.v1.followup_settings import RecomputeOut
from kontaktpflege.contacts.models import Channel
from kontaktpflege.followups import selectors, services
from kontaktpflege.followups.models import FollowUp

router = Router(tags=["agenda"])


class AgendaItemOut(Schema):
    """A follow-up as Today shows it: whom, why (a sentence), how urgent, and its state."""

    id: int
    person: PersonRef
    rule: str
    label: str
    reason: str
    priority: int
    due_on: dt.date
    days_overdue: int
    state: str
    snoozed_until: dt.date | None
    skip_reason: str
    closed_at: dt.datetime | None
    closed_by_touchpoint_id: int | None


class AgendaGroupOut(Schema):
    """One group of Today (overdue, today, week): the shown items and how many there are."""

    name: str
    total: int
    more: bool
    items: list[AgendaItemOut]


class AgendaOut(Schema):
    """Today's agenda in the workspace's dates, and a recompute still running, if any."""

    today: dt.date
    count: int
    groups: list[AgendaGroupOut]
    recompute: RecomputeOut | None


class AgendaQuery(Schema):
    per_group: Annotated[int, Field(ge=1, le=200)] = selectors.PER_GROUP


class DoneIn(Schema):
    """Done: a touchpoint with the person is logged (channel and summary optional)."""

    channel: Channel | None = None
    summary: Annotated[str, Field(max_length=300)] = ""


class SnoozeIn(Schema):
    """Snooze until a date after the workspace's today."""

    until: dt.date


class SkipIn(Schema):
    """Skip this occurrence, saying why."""

    reason: Annotated[str, Field(max_length=300)]


def _out(item: selectors.AgendaItem) -> dict[str, Any]:
    row = item.followup
    return {
        "id": row.pk,
        "person": row.person,
        "rule": row.rule,
        "label": str(item.label),
        "reason": str(item.reason),
        "priority": item.priority,
        "due_on": row.due_on,
        "days_overdue": item.days_overdue,
        "state": row.state,
        "snoozed_until": row.snoozed_until,
        "skip_reason": row.skip_reason,
        "closed_at": row.closed_at,
        "closed_by_touchpoint_id": row.closed_by_touchpoint_id,
    }


def _item(request: HttpRequest, followup: FollowUp) -> dict[str, Any]:
    day = services.workspace_today(request.workspace)  # type: ignore[attr-defined]
    item = selectors.agenda_item(followup, today=day, language=request.user.language)  # type: ignore[union-attr]
    return _out(item)


@router.get("/agenda", response={200: AgendaOut, **READ_ERRORS})
def get_agenda(request: HttpRequest, query: Query[AgendaQuery]) -> dict[str, Any]:
    """Whom to contact: overdue, today, this week — each item with its reason."""
    workspace = request.workspace  # type: ignore[attr-defined]
    plan = selectors.agenda(
        workspace=workspace,
        today=services.workspace_today(workspace),
        language=request.user.language,  # type: ignore[union-attr]
        per_group=query.per_group,
    )
    groups = [
        {
            "name": name,
            "total": plan.totals[name],
            "more": plan.more[name],
            "items": [_out(i) for i in plan.groups[name]],
        }
        for name in selectors.GROUPS
    ]
    return {
        "today": plan.today,
        "count": plan.count,
        "groups": groups,
        "recompute": selectors.recompute_running(workspace=workspace),
    }


@router.get("/followups/{followup_id}", response={200: AgendaItemOut, **READ_ERRORS})
def get_followup(request: HttpRequest, followup_id: Id) -> dict[str, Any]:
    """One follow-up with its reason and state."""
    followup = selectors.followup_get(workspace=request.workspace, pk=followup_id)  # type: ignore[attr-defined]
    return _item(request, followup)


@router.post("/followups/{followup_id}/done", response={200: AgendaItemOut, **ERRORS})
def complete_followup(request: HttpRequest, followup_id: Id, payload: DoneIn) -> dict[str, Any]:
    """Done: log a touchpoint with the person and close the item."""
    require_writer(request)
    followup = selectors.followup_get(workspace=request.workspace, pk=followup_id)  # type: ignore[attr-defined]
    services.followup_complete(
        followup=followup,
        user=request.user,  # type: ignore[arg-type]
        channel=payload.channel or "",
        summary=payload.summary,
    )
    return _item(request, followup)


@router.post("/followups/{followup_id}/snooze", response={200: AgendaItemOut, **ERRORS})
def snooze_followup(request: HttpRequest, followup_id: Id, payload: SnoozeIn) -> dict[str, Any]:
    """Snooze until a later date; the item comes back on that day."""
    require_writer(request)
    workspace = request.workspace  # type: ignore[attr-defined]
    followup = selectors.followup_get(workspace=workspace, pk=followup_id)
    services.followup_snooze(
        followup=followup, until=payload.until, today=services.workspace_today(workspace)
    )
    return _item(request, followup)


@router.post("/followups/{followup_id}/skip", response={200: AgendaItemOut, **ERRORS})
def skip_followup(request: HttpRequest, followup_id: Id, payload: SkipIn) -> dict[str, Any]:
    """Skip this occurrence with a reason; the next one comes as usual."""
    require_writer(request)
    followup = selectors.followup_get(workspace=request.workspace, pk=followup_id)  # type: ignore[attr-defined]
    services.followup_skip(followup=followup, reason=payload.reason)
    return _item(request, followup)
