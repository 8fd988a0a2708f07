"""Today: the agenda. The follow-up engine issue builds it out."""

from __future__ import annotations

from django.template.response import TemplateResponse
from django.urls import path

from kontaktpflege.core.htmx import WorkspaceRequest
from kontaktpflege.web.decorators import member_required


@member_required
def today(request: WorkspaceRequest) -> TemplateResponse:
    return TemplateResponse(request, "followups/today.html", {})


urlpatterns = [path("", today, name="today")]
