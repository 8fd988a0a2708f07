"""Import and export. The import/export issue builds it out."""

from __future__ import annotations

from django.template.response import TemplateResponse
from django.urls import path

from kontaktpflege.core.htmx import WorkspaceRequest
from kontaktpflege.web.decorators import member_required


@member_required
def dataio(request: WorkspaceRequest) -> TemplateResponse:
    return TemplateResponse(request, "dataio/home.html", {})


urlpatterns = [path("data/", dataio, name="dataio")]
