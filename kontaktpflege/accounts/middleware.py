"""The active workspace and the user's language on every request."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import translation

from kontaktpflege.accounts.selectors import default_membership


class WorkspaceMiddleware:
    """Attach the active membership and workspace to the request; the user's language wins."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.membership = None  # type: ignore[attr-defined]
        request.workspace = None  # type: ignore[attr-defined]
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language  # type: ignore[attr-defined]
            membership = default_membership(user)
            request.membership = membership  # type: ignore[attr-defined]
            request.workspace = membership.workspace if membership else None  # type: ignore[attr-defined]
        return self.get_response(request)
