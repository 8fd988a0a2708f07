"""The recruiting side's defaults: stages, reasons and the late stage, given once."""

from __future__ import annotations

import pytest

from kontaktpflege.recruiting.models import PipelineStage, RecruitingSettings, RejectionReason
from kontaktpflege.recruiting.selectors import recruiting_enabled, stages_for
from kontaktpflege.recruiting.services import recruiting_setup

pytestmark = pytest.mark.django_db


def test_a_workspace_gets_the_default_pipeline_with_final_interview_as_late_stage(workspace):
    found = recruiting_setup(workspace=workspace, enabled=True)
    keys = [s.key for s in stages_for(workspace)]
    assert keys == [
        "applied",
        "screening",
        "first_interview",
        "final_interview",
        "offer",
        "hired",
        "rejected",
        "withdrawn",
    ]
    assert found.late_stage is not None and found.late_stage.key == "final_interview"
    assert recruiting_enabled(workspace)
    assert RejectionReason.objects.filter(workspace=workspace).count() == 6


def test_setting_up_twice_keeps_a_teams_edits(workspace):
    recruiting_setup(workspace=workspace)
    PipelineStage.objects.filter(workspace=workspace, key="screening").update(name="Telefonat")
    RejectionReason.objects.filter(workspace=workspace).first().delete()
    recruiting_setup(workspace=workspace, enabled=False)
    assert PipelineStage.objects.get(workspace=workspace, key="screening").label == "Telefonat"
    assert RejectionReason.objects.filter(workspace=workspace).count() == 5
    assert RecruitingSettings.objects.filter(workspace=workspace).count() == 1
    assert not recruiting_enabled(workspace)


def test_a_personal_workspace_does_not_show_recruiting_until_switched_on(workspace, charlie):
    assert not recruiting_enabled(workspace)
    recruiting_setup(workspace=charlie.active_workspace, enabled=True)
    assert not recruiting_enabled(workspace)
    assert stages_for(workspace).count() == 0


def test_stage_names_follow_the_readers_language_until_renamed(workspace):
    from django.utils import translation

    recruiting_setup(workspace=workspace)
    stage = PipelineStage.objects.get(workspace=workspace, key="final_interview")
    with translation.override("de"):
        assert stage.label == "Finales Vorstellungsgespräch"
    assert stage.label == "Final interview"
