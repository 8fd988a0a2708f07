"""The API docs page: Swagger UI from the pinned swagger-ui-dist in static/vendor.

django-ninja's own Swagger renderer loads Swagger UI from a CDN unless "ninja" is an
installed app (and then serves the copy inside its wheel, whose version nothing here pins).
This renderer, plugged in through NinjaAPI's documented `docs=` argument, serves the version
pinned in package-lock.json, starts it from a static file (no inline script, for the
Content-Security-Policy) and turns off the online spec validator: nothing leaves the machine.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from ninja.openapi.docs import DocsBase

if TYPE_CHECKING:
    from ninja import NinjaAPI

SWAGGER_SETTINGS: dict[str, Any] = {
    "layout": "BaseLayout",
    "deepLinking": True,
    "validatorUrl": None,
}


class LocalSwagger(DocsBase):
    """Render /docs with templates/api/docs.html and static/js/api-docs.js."""

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        settings = {**SWAGGER_SETTINGS, "url": self.get_openapi_url(api, kwargs)}
        context = {"api": api, "swagger_settings": json.dumps(settings)}
        return TemplateResponse(request, "api/docs.html", context)
