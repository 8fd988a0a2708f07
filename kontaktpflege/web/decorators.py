"""View decorators: a logged-in member of a workspace; write access for changes."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse


def member_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Require login and a workspace membership (viewers included)."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if getattr(request, "workspace", None) is None:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def check_write(request: HttpRequest) -> None:
    """The one write rule, for data and settings alike: viewers read, writes are a 403."""
    if request.method not in ("GET", "HEAD") and not request.membership.can_write:  # type: ignore[attr-defined]
        raise PermissionDenied


def writer_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Require a membership that may change data (owner or member) for unsafe methods."""

    @member_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        check_write(request)
        return view(request, *args, **kwargs)

    return wrapper


def owner_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Require the owner role."""

    @member_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.membership.role != "owner":  # type: ignore[attr-defined]
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper
