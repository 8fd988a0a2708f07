"""Tags: list, create, rename, delete."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status

from kontaktpflege.api.errors import require_writer
from kontaktpflege.api.schemas import ERRORS, READ_ERRORS, Id, TagIn, TagOut
from kontaktpflege.contacts import selectors, services
from kontaktpflege.contacts.models import Tag

router = Router(tags=["tags"])


def _tag_out(request: HttpRequest, pk: int) -> Tag:
    return selectors.tag_list(workspace=request.workspace).get(pk=pk)  # type: ignore[attr-defined]


@router.get("/tags", response={200: list[TagOut], **READ_ERRORS})
def list_tags(request: HttpRequest) -> list[Tag]:
    """Every tag of the workspace with its number of people."""
    return list(selectors.tag_list(workspace=request.workspace))  # type: ignore[attr-defined]


@router.post("/tags", response={201: TagOut, **ERRORS})
def create_tag(request: HttpRequest, payload: TagIn) -> Status[Tag]:
    """Create a tag (an existing tag of that name is returned as it is)."""
    require_writer(request)
    found = services.tags_resolve(workspace=request.workspace, names=[payload.name])  # type: ignore[attr-defined]
    if not found:
        raise ValidationError({"name": _("Enter a name.")})
    return Status(201, _tag_out(request, found[0].pk))


@router.patch("/tags/{tag_id}", response={200: TagOut, **ERRORS})
def rename_tag(request: HttpRequest, tag_id: Id, payload: TagIn) -> Tag:
    """Rename a tag; its people are found by the new name."""
    require_writer(request)
    tag = selectors.tag_get(workspace=request.workspace, pk=tag_id)  # type: ignore[attr-defined]
    services.tag_rename(tag=tag, name=payload.name)
    return _tag_out(request, tag.pk)


@router.delete("/tags/{tag_id}", response={204: None, **ERRORS})
def delete_tag(request: HttpRequest, tag_id: Id) -> Status[None]:
    """Delete a tag; its people keep their other tags."""
    require_writer(request)
    tag = selectors.tag_get(workspace=request.workspace, pk=tag_id)  # type: ignore[attr-defined]
    services.tag_delete(tag=tag)
    return Status(204, None)
