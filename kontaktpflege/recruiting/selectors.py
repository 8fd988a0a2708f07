"""Reads of the recruiting side that check access: another workspace's rows are 404."""

from __future__ import annotations

from django.db.models import QuerySet

from kontaktpflege.accounts.models import Workspace
from kontaktpflege.recruiting.models import PipelineStage, RecruitingSettings


def recruiting_enabled(workspace: Workspace) -> bool:
    """Whether the workspace shows the recruiting screens (a team switched it on)."""
    return RecruitingSettings.objects.filter(workspace=workspace, enabled=True).exists()


def stages_for(workspace: Workspace) -> QuerySet[PipelineStage]:
    return PipelineStage.objects.filter(workspace=workspace).order_by("position", "id")
