"""Writes of the recruiting side. Later slices add openings, candidacies, rejections,
pools and tags here (or in modules of their own when this one grows past ~600 lines)."""

from __future__ import annotations

from django.db import transaction
from django.utils import translation

from kontaktpflege.accounts.models import Workspace
from kontaktpflege.recruiting.models import (
    DEFAULT_LATE_STAGE,
    DEFAULT_REJECTION_REASONS,
    DEFAULT_STAGES,
    PipelineStage,
    RecruitingSettings,
    RejectionReason,
)


@transaction.atomic
def recruiting_setup(*, workspace: Workspace, enabled: bool | None = None) -> RecruitingSettings:
    """Give a workspace the default stages and rejection reasons once; switch it on or off.

    Idempotent: stages and reasons a team has edited are left as they are.
    """
    found, _created = RecruitingSettings.objects.select_for_update().get_or_create(
        workspace=workspace
    )
    if not PipelineStage.objects.filter(workspace=workspace).exists():
        PipelineStage.objects.bulk_create(
            PipelineStage(workspace=workspace, key=key, position=position, kind=kind)
            for key, position, kind in DEFAULT_STAGES
        )
    if not RejectionReason.objects.filter(workspace=workspace).exists():
        language = (workspace.settings or {}).get("language") or translation.get_language()
        with translation.override(language):
            RejectionReason.objects.bulk_create(
                RejectionReason(workspace=workspace, label=str(label), position=i)
                for i, label in enumerate(DEFAULT_REJECTION_REASONS)
            )
    fields = []
    if found.late_stage_id is None:
        found.late_stage = PipelineStage.objects.filter(
            workspace=workspace, key=DEFAULT_LATE_STAGE
        ).first()
        fields.append("late_stage")
    if enabled is not None and found.enabled != enabled:
        found.enabled = enabled
        fields.append("enabled")
    if fields:
        found.save(update_fields=[*fields, "updated_at"])
    return found
