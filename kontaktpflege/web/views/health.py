"""The health endpoint and the page shown while the database is unreachable."""

from __future__ import annotations

import sys
from collections.abc import Callable

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from kontaktpflege.core.health import OK, instance_health


@never_cache
@require_safe
def health(request: HttpRequest) -> JsonResponse:
    """200 {"status": "ok", …} when database and queue answer; 503 naming the part that is down.

    Open without log-in (a load balancer polls it); it reveals nothing but ok/down per part.
    """
    checks = instance_health()
    healthy = all(value == OK for value in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", **checks}, status=200 if healthy else 503
    )


@never_cache
@require_safe
def live(request: HttpRequest) -> HttpResponse:
    """Liveness: the process answers (no database, no queue): a minimal Django view."""
    return HttpResponse("ok", content_type="text/plain")


class HealthEndpointMiddleware:
    """Answer /health/ before sessions, log-in and workspace are looked at.

    A probe must get its answer even when the session table is unreachable, and whatever
    cookies it sends; first in the middleware list, it costs other requests one comparison.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info == "/health/":
            return health(request)
        return self.get_response(request)


def server_error(request: HttpRequest) -> HttpResponse:
    """Django's handler500: an unreachable database is a 503 "try again shortly", not a 500.

    Rendered without a request context (the context processors would query the very
    database that is gone), in the language the request asked for.
    """
    exc = sys.exc_info()[1]
    unavailable = isinstance(exc, OperationalError | InterfaceError)
    status = 503 if unavailable else 500
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _api_message(unavailable)}, status=status)
    html = render_to_string("errors/server_error.html", {"unavailable": unavailable})
    response = HttpResponse(html, status=status)
    if unavailable:
        response["Retry-After"] = "10"
    return response


def _api_message(unavailable: bool) -> str:
    from django.utils.translation import gettext

    if unavailable:
        return gettext("The service is briefly unavailable. Please try again in a moment.")
    return gettext("Something went wrong on our side.")
