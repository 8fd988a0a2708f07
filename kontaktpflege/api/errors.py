"""Error responses of the API: one shape for every invalid input, 403 for read-only roles."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthorizationError
from ninja.errors import ValidationError as NinjaValidationError

# Where ninja nests a body or query model inside the error location.
_WRAPPERS = {"body", "query", "path", "payload", "filters", "form", "file"}


def require_writer(request: HttpRequest) -> None:
    """Viewers may read; changing anything needs the owner or member role."""
    membership = getattr(request, "membership", None)
    if membership is None or not membership.can_write:
        raise AuthorizationError(message=_("Your role in this workspace may only read."))


def require_owner(request: HttpRequest) -> None:
    """Workspace-wide settings and the backup are the owner's, as on the web."""
    membership = getattr(request, "membership", None)
    if membership is None or membership.role != "owner":
        raise AuthorizationError(message=_("Only the owner of this workspace may do this."))


def field_errors(exc: DjangoValidationError) -> dict[str, list[str]]:
    """A service's ValidationError as {field: [messages]}."""
    if hasattr(exc, "error_dict"):
        return {field: [str(m) for m in messages] for field, messages in exc.message_dict.items()}
    return {"__all__": [str(m) for m in exc.messages]}


def _location(loc: Any) -> str:
    parts = [str(p) for p in loc]
    while len(parts) > 1 and parts[0] in _WRAPPERS:  # a field may be named "body" too
        parts.pop(0)
    return ".".join(parts) or "__all__"


def install(api: NinjaAPI) -> None:
    """Register the handlers that turn exceptions into the API's error bodies."""

    def invalid(errors: dict[str, list[str]], request: HttpRequest) -> HttpResponse:
        body = {"detail": _("The input is not valid; nothing was changed."), "errors": errors}
        return api.create_response(request, body, status=422)

    def on_service_error(request: HttpRequest, exc: Any) -> HttpResponse:
        return invalid(field_errors(exc), request)

    def on_schema_error(request: HttpRequest, exc: Any) -> HttpResponse:
        errors: dict[str, list[str]] = {}
        for error in exc.errors:
            errors.setdefault(_location(error.get("loc", ())), []).append(str(error.get("msg")))
        return invalid(errors, request)

    def on_denied(request: HttpRequest, exc: Any) -> HttpResponse:
        return api.create_response(request, {"detail": _("Forbidden")}, status=403)

    api.add_exception_handler(DjangoValidationError, on_service_error)
    api.add_exception_handler(NinjaValidationError, on_schema_error)
    api.add_exception_handler(PermissionDenied, on_denied)
