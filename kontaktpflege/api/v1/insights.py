"""The insights page's figures: the same labels and series the charts and tables show."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import translation
from ninja import Router, Schema

from kontaktpflege.api.schemas import READ_ERRORS
from kontaktpflege.web.views.insights import insight_figures

router = Router(tags=["insights"])


class InsightSeriesOut(Schema):
    key: str
    label: str
    data: list[float]


class InsightFigureOut(Schema):
    key: str
    title: str
    kind: str
    unit: str
    labels: list[str]
    series: list[InsightSeriesOut]


@router.get("/insights", response={200: list[InsightFigureOut], **READ_ERRORS})
def insights(request: HttpRequest) -> list[dict[str, Any]]:
    """Network health, follow-up discipline, give and take, channels, and the application
    funnel when there are applications; labels in the token owner's language."""
    user = request.user
    with translation.override(getattr(user, "language", "") or "en"):
        figures = insight_figures(workspace=request.workspace, user=user)  # type: ignore[attr-defined]
        return [f.as_dict() for f in figures]
