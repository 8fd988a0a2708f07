"""The active workspace and the user's language on every request."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation

from kontaktpflege.accounts.selectors import default_membership
from kontaktpflege.core.timeutils import user_zone


class WorkspaceMiddleware:
    """Attach the active membership and workspace; the user's language and time zone win."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.membership = None  # type: ignore[attr-defined]
        request.workspace = None  # type: ignore[attr-defined]
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            timezone.activate(user_zone(user))
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language  # type: ignore[attr-defined]
            membership = default_membership(user)
            request.membership = membership  # type: ignore[attr-defined]
            request.workspace = membership.workspace if membership else None  # type: ignore[attr-defined]
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
