"""Reads about applications; every read is scoped to a workspace (404 for other ones)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from kontaktpflege.accounts.models import Workspace
from kontaktpflege.applications.models import (
    Application,
    ApplicationContact,
    Interview,
    Stage,
)
from kontaktpflege.contacts.models import Person
from kontaktpflege.core.text import fold, without_control_chars
from kontaktpflege.followups.models import ACTIVE_STATES, FollowUp
from kontaktpflege.followups.reasons import rule_label
from kontaktpflege.messaging.models import OutboundMessage
from kontaktpflege.touchpoints.models import Touchpoint

TIMELINE_LIMIT = 100


def subject_of(application: Application | int) -> str:
    """The follow-up subject of an application ("application:12")."""
    pk = application if isinstance(application, int) else application.pk
    return f"application:{pk}"


def application_list(
    *, workspace: Workspace, stage: str = "", q: str = ""
) -> QuerySet[Application]:
    """The workspace's applications with organisation and contacts (roles and people)."""
    qs = (
        Application.objects.filter(workspace=workspace)
        .select_related("organisation")
        .prefetch_related(
            Prefetch(
                "application_contacts",
                queryset=ApplicationContact.objects.select_related("person"),
            )
        )
    )
    if stage:
        qs = qs.filter(stage=stage)
    q = without_control_chars(q).strip()
    if q:
        qs = qs.filter(Q(position__icontains=q) | Q(organisation__name_folded__contains=fold(q)))
    return qs


def application_get(*, workspace: Workspace, pk: int) -> Application:
    """One application of the workspace with its contacts and interviews, or 404."""
    application = (
        application_list(workspace=workspace)
        .prefetch_related(
            Prefetch(
                "interviews",
                queryset=Interview.objects.prefetch_related("participants"),
            )
        )
        .filter(pk=pk)
        .first()
    )
    if application is None:
        raise Http404
    return application


def interview_get(*, workspace: Workspace, pk: int) -> Interview:
    """One interview of an application of the workspace, or 404."""
    interview = (
        Interview.objects.filter(application__workspace=workspace, pk=pk)
        .select_related("application__organisation")
        .prefetch_related("participants")
        .first()
    )
    if interview is None:
        raise Http404
    return interview


def next_followups(*, workspace: Workspace, pks: list[int]) -> dict[int, FollowUp]:
    """The earliest active follow-up of each application (one query)."""
    if not pks:
        return {}
    rows = (
        FollowUp.objects.filter(
            workspace=workspace,
            subject__in=[subject_of(pk) for pk in pks],
            state__in=ACTIVE_STATES,
        )
        .select_related("person")
        .order_by("due_on", "-priority", "id")
    )
    found: dict[int, FollowUp] = {}
    for row in rows:
        found.setdefault(int(row.subject.partition(":")[2]), row)
    return found


def application_followups(*, application: Application) -> QuerySet[FollowUp]:
    """The application's open and snoozed follow-ups, earliest first."""
    return (
        FollowUp.objects.filter(
            workspace_id=application.workspace_id,
            subject=subject_of(application),
            state__in=ACTIVE_STATES,
        )
        .select_related("person")
        .order_by("due_on", "id")
    )


@dataclass
class Column:
    """One stage of the board with its cards."""

    stage: str
    label: str
    cards: list[Application] = field(default_factory=list)


def application_board(*, workspace: Workspace) -> list[Column]:
    """Every stage as a column of cards (each card knows its next follow-up)."""
    columns = {value: Column(value, str(label)) for value, label in Stage.choices}
    apps = list(application_list(workspace=workspace))
    attach_next_followups(workspace=workspace, applications=apps)
    for app in apps:
        columns[app.stage].cards.append(app)
    return list(columns.values())


def attach_next_followups(*, workspace: Workspace, applications: list[Application]) -> None:
    """Set `next_followup` (or None) on each application."""
    nexts = next_followups(workspace=workspace, pks=[a.pk for a in applications])
    for app in applications:
        row = nexts.get(app.pk)
        app.next_followup = row  # type: ignore[attr-defined]
        app.next_label = rule_label(row.rule) if row else ""  # type: ignore[attr-defined]


@dataclass(frozen=True)
class TimelineEntry:
    """A touchpoint, or a message not (yet) logged as one, with people of the application."""

    at: dt.datetime
    kind: str  # "touchpoint" | "message"
    summary: str
    channel: str
    direction: str
    people: list[Person]
    obj: Any


def application_timeline(*, application: Application) -> list[TimelineEntry]:
    """Touchpoints and messages with the application's contacts, newest first."""
    ids = [c.person_id for c in application.application_contacts.all()]
    if not ids:
        return []
    touchpoints = (
        Touchpoint.objects.filter(
            workspace_id=application.workspace_id,
            pk__in=Touchpoint.participants.through.objects.filter(person_id__in=ids).values(
                "touchpoint_id"
            ),
        )
        .prefetch_related("participants")
        .order_by("-occurred_at", "-id")[:TIMELINE_LIMIT]
    )
    entries = [
        TimelineEntry(
            t.occurred_at,
            "touchpoint",
            t.summary,
            t.channel,
            t.direction,
            list(t.participants.all()),
            t,
        )
        for t in touchpoints
    ]
    # Sent messages are logged as touchpoints; the others (queued, failed) show as messages.
    messages = (
        OutboundMessage.objects.filter(
            workspace_id=application.workspace_id, person_id__in=ids, touchpoint__isnull=True
        )
        .select_related("person")
        .order_by("-created_at")[:TIMELINE_LIMIT]
    )
    entries.extend(
        TimelineEntry(
            m.created_at, "message", m.subject or m.body[:80], m.channel, "out", [m.person], m
        )
        for m in messages
    )
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries[:TIMELINE_LIMIT]


def organisation_application_count(*, organisation_id: int) -> int:
    """How many applications refer to an organisation (they keep it from being deleted)."""
    return Application.objects.filter(organisation_id=organisation_id).count()
