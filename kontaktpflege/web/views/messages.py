"""Message templates and compose. The messaging issue builds it out."""

from __future__ import annotations

from django.template.response import TemplateResponse
from django.urls import path

from kontaktpflege.core.htmx import WorkspaceRequest
from kontaktpflege.web.decorators import member_required


@member_required
def message_templates(request: WorkspaceRequest) -> TemplateResponse:
    return TemplateResponse(request, "messaging/templates.html", {})


urlpatterns = [path("templates/", message_templates, name="message_templates")]
