"""Insights: charts about the network, each with the same figures as a table."""

from __future__ import annotations

from django.db.models import Count
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext as _

from kontaktpflege.accounts.models import Workspace
from kontaktpflege.applications.models import Application, Stage
from kontaktpflege.core.htmx import WorkspaceRequest
from kontaktpflege.core.timeutils import local_today
from kontaktpflege.followups.insights import Figure, Series, insights
from kontaktpflege.web.decorators import member_required


def application_funnel(*, workspace: Workspace) -> Figure | None:
    """Applications per stage (one GROUP BY), or None when there are no applications."""
    counts = dict(
        Application.objects.filter(workspace=workspace)
        .values("stage")
        .order_by("stage")
        .annotate(n=Count("id"))
        .values_list("stage", "n")
    )
    if not counts:
        return None
    return Figure(
        key="funnel",
        title=_("Applications by stage"),
        kind="bar",
        labels=[str(label) for label in Stage.labels],
        series=[Series("applications", _("applications"), [counts.get(s, 0) for s in Stage])],
        unit=_("applications"),
    )


def insight_figures(*, workspace: Workspace, user: object) -> list[Figure]:
    """Every figure of the page (and the API), the funnel only when applications exist."""
    figures = insights(workspace=workspace, today=local_today(user))
    funnel = application_funnel(workspace=workspace)
    return [*figures, funnel] if funnel else figures


@member_required
def insights_page(request: WorkspaceRequest) -> TemplateResponse:
    """Charts drawn by static/js/insights.js from the JSON data block; tables for everyone."""
    figures = insight_figures(workspace=request.workspace, user=request.user)
    context = {"figures": figures, "data": [f.as_dict() for f in figures]}
    return TemplateResponse(request, "insights/page.html", context)


urlpatterns = [path("insights/", insights_page, name="insights")]
