"""htmx helpers: render a named partial for htmx requests, the whole page otherwise."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.template.response import TemplateResponse


def render_page(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    *,
    partial: str | None = None,
    status: int = 200,
) -> TemplateResponse:
    """Render `template`, or only `template#partial` when htmx asked for it."""
    name = template
    if partial and getattr(request, "htmx", False):
        name = f"{template}#{partial}"
    return TemplateResponse(request, name, context, status=status)


class WorkspaceRequest(HttpRequest):
    """A request of a logged-in member: the type views see after the web decorators."""

    user: Any
    workspace: Any
    membership: Any
    htmx: Any
