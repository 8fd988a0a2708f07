"""Compose: a template plus the user's notes becomes the final text the user may still edit.

The form carries the text it last generated (hidden). As long as the visible text equals it,
the user has not edited it and it follows the template and the notes; once edited, the user's
text wins and is sent exactly as written.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from kontaktpflege.accounts.models import User, Workspace
from kontaktpflege.contacts.models import Organisation, Person
from kontaktpflege.messaging.models import SenderSettings
from kontaktpflege.messaging.selectors import (
    Draft,
    format_date,
    message_context,
    render_draft,
    sender_settings_for,
    template_source,
)

BLANK_SUBJECT = ""
BLANK_BODY = "{{ salutation }},\n\n{{ notes }}\n\n{{ signature }}\n"
SAMPLE_LAST_TOUCH = dt.date(2025, 3, 3)
SAMPLE_INTERVIEW = dt.date(2025, 3, 3)

# What a message is about, as "<kind>:<id>" (a follow-up's subject, e.g. "application:12").
ABOUT_RE = re.compile(r"^[a-z_]{1,30}:[0-9]{1,12}$")
# fn(workspace=, person=, ref=, variant=, user=) → extra template variables. Registered by the
# higher layers (applications, network) whose rows a message can be about; a provider returns
# {} for a ref that is not one of this workspace's rows, so nothing of another one leaks.
AboutProvider = Callable[..., dict[str, Any]]
ABOUT_PROVIDERS: dict[str, AboutProvider] = {}


def register_about_provider(kind: str, provider: AboutProvider) -> None:
    """Let a higher layer fill template variables for messages about its rows."""
    ABOUT_PROVIDERS[kind] = provider


def about_context(
    *, workspace: Workspace, person: Person, about: str, variant: str, user: User
) -> dict[str, Any]:
    """The extra variables for what the message is about ({} when unknown or malformed)."""
    if not about or not ABOUT_RE.match(about):
        return {}
    kind, _sep, ref = about.partition(":")
    provider = ABOUT_PROVIDERS.get(kind)
    if provider is None:
        return {}
    return provider(workspace=workspace, person=person, ref=int(ref), variant=variant, user=user)


def draft_for(
    *,
    workspace: Workspace,
    person: Person,
    user: User,
    sender: SenderSettings,
    template_key: str,
    variant: str,
    notes: str,
    about: str = "",
) -> Draft:
    """Render the chosen template (or a blank letter) for this person with these notes.

    `about` ("application:12") adds the variables of what the message is about.
    """
    if template_key:
        source = template_source(workspace=workspace, key=template_key, variant=variant)
        subject, body = source.subject, source.body
    else:
        subject, body = BLANK_SUBJECT, BLANK_BODY
    context = message_context(person=person, sender=sender, user=user, variant=variant, notes=notes)
    context.update(
        about_context(workspace=workspace, person=person, about=about, variant=variant, user=user)
    )
    return render_draft(subject=subject, body=body, context=context)


def _same(a: str, b: str) -> bool:
    return a.replace("\r\n", "\n").strip() == b.replace("\r\n", "\n").strip()


@dataclass(frozen=True)
class FinalText:
    """What goes out, and whether it still follows the template."""

    subject: str
    body: str
    follows_template: bool


def final_text(data: dict[str, Any], draft: Draft) -> FinalText:
    """The user's text where edited, else the fresh rendering of template and notes."""
    body, generated = data.get("body") or "", data.get("generated_body") or ""
    follows = not body.strip() or _same(body, generated)
    subject, gen_subject = data.get("subject") or "", data.get("generated_subject") or ""
    subject_follows = not subject.strip() or _same(subject, gen_subject)
    return FinalText(
        subject=draft.subject if subject_follows and draft.ok else subject,
        body=draft.body if follows and draft.ok else body,
        follows_template=follows,
    )


def notes_problem(notes: str, final: FinalText) -> str:
    """An error when personal notes were written but would not go out with the text."""
    notes = notes.strip()
    if not notes or final.follows_template:
        return ""
    if notes.replace("\r\n", "\n") in final.body.replace("\r\n", "\n"):
        return ""
    return _(
        "Your notes are not in the text yet: you edited the text by hand. Copy them in, "
        "or empty the text and preview again to insert them from the template."
    )


def sample_person(variant: str) -> Person:
    """A made-up person for previewing templates: Dr. Julia Weber of Acme GmbH."""
    person = Person(
        first_name="Julia",
        last_name="Weber",
        gender="f",
        academic_title="Dr.",
        job_title="Head of Product",
        location="Köln",
        how_we_met="Barcamp Köln",
        language="en" if variant == "en" else "de",
        form_of_address="du" if variant == "de_du" else "sie",
    )
    person.organisation = Organisation(name="Acme GmbH")
    return person


def sample_draft(
    *, workspace: Workspace, user: User, subject: str, body: str, variant: str, notes: str = ""
) -> Draft:
    """A template text rendered for the made-up sample person (the template page's preview);
    without notes a placeholder shows where they go."""
    sender = sender_settings_for(workspace=workspace, user=user)
    context = message_context(
        person=sample_person(variant),
        sender=sender,
        user=user,
        variant=variant,
        notes=notes.strip() or _("(Your personal notes appear here.)"),
    )
    context.update(
        last_touchpoint_date=format_date(SAMPLE_LAST_TOUCH, variant),
        last_touchpoint_topic="Design Thinking",
        interview_date=format_date(SAMPLE_INTERVIEW, variant),
        application_position="Product Designer",
    )
    return render_draft(subject=subject, body=body, context=context)
