"""Message templates: the library, one template's variants, a rendered preview.

Previews render in the same sandbox as compose (messaging.render): for one of your people
with your notes, or for the made-up sample person the template page uses.
"""

from __future__ import annotations

from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Router, Schema

from kontaktpflege.api.schemas import READ_ERRORS, Id
from kontaktpflege.contacts.selectors import person_get
from kontaktpflege.messaging import compose, selectors
from kontaktpflege.messaging.library import VARIABLES, VARIANTS
from kontaktpflege.messaging.models import MAX_NOTES_CHARS, TemplateVariant

router = Router(tags=["templates"])

Key = Annotated[str, Field(pattern=r"^[-a-zA-Z0-9_]{1,60}$")]


class TemplateOut(Schema):
    """One entry of the template library."""

    key: str
    name: str
    audience: str
    is_custom: bool
    is_shipped: bool


class VariantOut(Schema):
    """One language/tone variant of a template, as source text."""

    variant: str
    subject: str
    body: str


class VariableOut(Schema):
    """A variable templates may use."""

    name: str
    description: str
    example: str
    available: bool


class TemplateDetailOut(Schema):
    """A template with its three variants and the variables it may use."""

    key: str
    name: str
    is_custom: bool
    is_shipped: bool
    variants: list[VariantOut]
    variables: list[VariableOut]


class DraftOut(Schema):
    """A rendered text, or the error; variables that rendered empty are listed."""

    variant: str
    subject: str
    body: str
    ok: bool
    error: str
    error_line: int | None
    undefined: list[str]
    unavailable: list[str]
    empty: list[str]


class PreviewIn(Schema):
    """Render for one of your people (else the sample person) in a variant, with notes."""

    person_id: Id | None = None
    variant: TemplateVariant | None = None
    notes: Annotated[str, Field(max_length=MAX_NOTES_CHARS)] = ""


def draft_out(draft: selectors.Draft, variant: str) -> dict[str, Any]:
    """A Draft as the API returns it."""
    return {
        "variant": variant,
        "subject": draft.subject,
        "body": draft.body,
        "ok": draft.ok,
        "error": str(draft.error),
        "error_line": draft.error_line,
        "undefined": draft.undefined,
        "unavailable": draft.unavailable,
        "empty": draft.empty,
    }


@router.get("/templates", response={200: list[TemplateOut], **READ_ERRORS})
def list_templates(request: HttpRequest) -> list[selectors.LibraryEntry]:
    """Shipped templates (marked when customised) and the workspace's own."""
    return selectors.template_library(workspace=request.workspace)  # type: ignore[attr-defined]


@router.get("/templates/{key}", response={200: TemplateDetailOut, **READ_ERRORS})
def get_template(request: HttpRequest, key: Key) -> dict[str, Any]:
    """One template's variants as the workspace sees them (its own text where customised)."""
    sources = [
        selectors.template_source(workspace=request.workspace, key=key, variant=v)  # type: ignore[attr-defined]
        for v in VARIANTS
    ]
    return {
        "key": key,
        "name": sources[0].name,
        "is_custom": sources[0].is_custom,
        "is_shipped": sources[0].is_shipped,
        "variants": [{"variant": s.variant, "subject": s.subject, "body": s.body} for s in sources],
        "variables": [
            {
                "name": v.name,
                "description": str(v.description),
                "example": v.example or "",
                "available": v.available,
            }
            for v in VARIABLES
        ],
    }


@router.post("/templates/{key}/preview", response={200: DraftOut, **READ_ERRORS})
def preview_template(request: HttpRequest, key: Key, payload: PreviewIn) -> dict[str, Any]:
    """Render a template in the sandbox for a person with notes; nothing is saved."""
    workspace = request.workspace  # type: ignore[attr-defined]
    user = request.user
    if payload.person_id is None:
        variant = payload.variant or "de_sie"
        source = selectors.template_source(workspace=workspace, key=key, variant=variant)
        draft = compose.sample_draft(
            workspace=workspace,
            user=user,  # type: ignore[arg-type]
            subject=source.subject,
            body=source.body,
            variant=variant,
            notes=payload.notes,
        )
        return draft_out(draft, variant)
    person = person_get(workspace=workspace, pk=payload.person_id)
    variant = payload.variant or selectors.default_variant(person)
    draft = compose.draft_for(
        workspace=workspace,
        person=person,
        user=user,  # type: ignore[arg-type]
        sender=selectors.sender_settings_for(workspace=workspace, user=user),  # type: ignore[arg-type]
        template_key=key,
        variant=variant,
        notes=payload.notes,
    )
    return draft_out(draft, variant)
