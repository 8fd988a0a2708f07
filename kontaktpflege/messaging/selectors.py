"""Reads for messaging: templates (shipped merged with the workspace's), drafts, the outbox."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from kontaktpflege.accounts.models import User, Workspace
from kontaktpflege.contacts.models import Person
from kontaktpflege.contacts.selectors import reachable_channels
from kontaktpflege.core.timeutils import local_today, user_zone
from kontaktpflege.messaging.library import (
    ABOUT_VARIABLES,
    KNOWN_VARIABLES,
    UNAVAILABLE_VARIABLES,
    VARIANTS,
    shipped_templates,
)
from kontaktpflege.messaging.models import (
    MessageChannel,
    MessageTemplate,
    OutboundMessage,
    SenderSettings,
)
from kontaktpflege.messaging.render import RenderError, render_text, template_variables, tidy
from kontaktpflege.messaging.salutation import salutation
from kontaktpflege.messaging.topics import last_topic, next_step, proposes

_DE_MONTHS = [
    *("Januar", "Februar", "März", "April", "Mai", "Juni"),
    *("Juli", "August", "September", "Oktober", "November", "Dezember"),
]
_EN_MONTHS = [
    *("January", "February", "March", "April", "May", "June"),
    *("July", "August", "September", "October", "November", "December"),
]


@dataclass(frozen=True)
class TemplateSource:
    """The text of one template variant as the workspace sees it."""

    key: str
    variant: str
    name: str
    subject: str
    body: str
    is_custom: bool
    is_shipped: bool


@dataclass(frozen=True)
class LibraryEntry:
    """One row of the template list."""

    key: str
    name: str
    audience: str
    is_custom: bool
    is_shipped: bool


def sender_settings_for(*, workspace: Workspace, user: User | None) -> SenderSettings:
    """The user's sender settings in this workspace (unsaved defaults when none yet)."""
    found = SenderSettings.objects.filter(workspace=workspace, user=user).first()
    return found or SenderSettings(workspace=workspace, user=user)


def template_library(*, workspace: Workspace) -> list[LibraryEntry]:
    """Shipped templates (marked when customised) followed by the workspace's own."""
    custom = dict(
        MessageTemplate.objects.filter(workspace=workspace)
        .order_by("key", "variant")
        .values_list("key", "name")
    )
    shipped = shipped_templates()
    entries = [
        LibraryEntry(t.key, custom.get(t.key) or t.name, t.audience, t.key in custom, True)
        for t in shipped.values()
    ]
    entries += [
        LibraryEntry(key, name, "custom", True, False)
        for key, name in sorted(custom.items())
        if key not in shipped
    ]
    return entries


def template_source(*, workspace: Workspace, key: str, variant: str) -> TemplateSource:
    """One variant of a template: the workspace's row if any, else the shipped text; or 404."""
    if variant not in VARIANTS:
        raise Http404
    shipped = shipped_templates().get(key)
    row = MessageTemplate.objects.filter(workspace=workspace, key=key, variant=variant).first()
    if row is not None:
        return TemplateSource(key, variant, row.name, row.subject, row.body, True, bool(shipped))
    if shipped is None:
        raise Http404
    v = shipped.variants[variant]
    return TemplateSource(key, variant, shipped.name, v.subject, v.body, False, True)


def template_sources(*, workspace: Workspace, variant: str) -> dict[str, TemplateSource]:
    """One variant of every template the workspace sees, by key (one query): its own rows
    over the shipped texts, as `template_source` picks them one by one."""
    shipped = shipped_templates()
    sources = {
        key: TemplateSource(
            key, variant, t.name, t.variants[variant].subject, t.variants[variant].body, False, True
        )
        for key, t in shipped.items()
        if variant in t.variants
    }
    for row in MessageTemplate.objects.filter(workspace=workspace, variant=variant):
        sources[row.key] = TemplateSource(
            row.key, variant, row.name, row.subject, row.body, True, row.key in shipped
        )
    return sources


def default_variant(person: Person) -> str:
    """English for English speakers, otherwise German Sie or Du as recorded."""
    if person.language == "en":
        return "en"
    return "de_du" if person.form_of_address == "du" else "de_sie"


def default_channel(person: Person) -> str:
    """A channel the person can be reached on: the preferred one if it is, else the first.

    Never email for a person without an address; a call (mark as sent) when nothing is
    recorded.
    """
    reachable = [c for c in reachable_channels(person) if c in MessageChannel.values]
    return reachable[0] if reachable else MessageChannel.CALL


def default_to_address(person: Person) -> str:
    """The address a message goes to unless the user picks another: the primary email."""
    first = person.emails.all()[:1]
    return first[0].email if first else ""


def format_date(value: dt.date | None, variant: str, today: dt.date | None = None) -> str:
    """A date as the message's language writes it; personal (Du) letters in words.

    "1 December 2025" in English, "01.12.2025" formally, "1. Dezember" among friends (with
    the year when it is not this year's).
    """
    if value is None:
        return ""
    if variant == "en":
        return f"{value.day} {_EN_MONTHS[value.month - 1]} {value.year}"
    if variant == "de_du":
        words = f"{value.day}. {_DE_MONTHS[value.month - 1]}"
        this_year = (today or timezone.localdate()).year
        return words if value.year == this_year else f"{words} {value.year}"
    return f"{value:%d.%m.%Y}"


def _last_touchpoint(person: Person) -> Any:
    if person.pk is None:
        return None
    from kontaktpflege.touchpoints.models import Touchpoint

    return (
        Touchpoint.objects.filter(participation__person=person)
        .order_by("-occurred_at", "-id")
        .only("occurred_at", "summary", "notes")
        .first()
    )


def message_context(
    *, person: Person, sender: SenderSettings, user: User, variant: str, notes: str = ""
) -> dict[str, Any]:
    """The variables a template sees: plain strings, never model instances."""
    last = _last_touchpoint(person)
    sender_name = sender.from_name or user.get_full_name() or user.get_username()
    context: dict[str, Any] = {
        "salutation": salutation(person, variant),
        "first_name": person.first_name,
        "last_name": person.last_name,
        "full_name": person.full_name if person.first_name or person.last_name else "",
        "academic_title": person.academic_title,
        "organisation": person.organisation.name if person.organisation else "",
        "job_title": person.job_title,
        "location": person.location,
        "how_we_met": person.how_we_met,
        "last_touchpoint_date": format_date(
            last.occurred_at.astimezone(user_zone(user)).date() if last else None,
            variant,
            today=local_today(user),
        ),
        "last_touchpoint_topic": last_topic(last.summary, last.notes) if last else "",
        "next_step": next_step(last.notes) if last else "",
        "notes": notes.strip(),
        "notes_propose": proposes(notes),
        "sender_name": sender_name,
        "sender_first_name": user.first_name or sender_name.split(" ")[0],
        "sender_company": sender.company,
        "signature": sender.signature.strip() or sender_name,
        **dict.fromkeys(ABOUT_VARIABLES, ""),
    }
    return context


# Variables a template tests with {% if %}: empty is normal, not worth a warning (many come
# only with what a message is about).
OPTIONAL = (
    frozenset(
        {
            "notes",
            "next_step",
            "notes_propose",
            "intro_target_name",
            "intro_bridge_name",
            "intro_target_job_title",
        }
    )
    # The application's templates cannot do without these two: the preview flags them empty.
    | (ABOUT_VARIABLES - {"interview_date", "application_position"})
)


@dataclass
class Draft:
    """A rendered template: subject and body, or the error, plus what the preview flags."""

    subject: str = ""
    body: str = ""
    error: str = ""
    error_line: int | None = None
    undefined: list[str] = field(default_factory=list)
    unavailable: list[str] = field(default_factory=list)
    empty: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.error


def render_draft(*, subject: str, body: str, context: dict[str, Any]) -> Draft:
    """Render subject and body in the sandbox and sort the variables that had no value."""
    draft = Draft()
    try:
        rendered_subject = render_text(subject, context)
        rendered_body = render_text(body, context)
    except RenderError as exc:
        draft.error, draft.error_line = exc.message, exc.line
        return draft
    draft.subject = " ".join(rendered_subject.text.split())[:300]
    draft.body = tidy(rendered_body.text)
    names = list(dict.fromkeys([*rendered_subject.undefined, *rendered_body.undefined]))
    draft.unavailable = [n for n in names if n in UNAVAILABLE_VARIABLES]
    draft.undefined = [n for n in names if n not in UNAVAILABLE_VARIABLES]
    used = template_variables(subject) | template_variables(body)
    draft.empty = sorted(
        n for n in used & KNOWN_VARIABLES if n in context and not context[n] and n not in OPTIONAL
    )
    return draft


def outbox_list(*, workspace: Workspace) -> QuerySet[OutboundMessage]:
    """The workspace's messages, newest first, with their person."""
    return OutboundMessage.objects.filter(workspace=workspace).select_related("person")


def message_get(*, workspace: Workspace, pk: int) -> OutboundMessage:
    """One message of the workspace, or 404."""
    message = outbox_list(workspace=workspace).filter(pk=pk).first()
    if message is None:
        raise Http404
    return message
