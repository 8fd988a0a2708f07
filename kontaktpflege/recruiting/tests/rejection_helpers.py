"""Helpers of the rejection tests: a recruiting workspace, an opening, candidacies at stages.

Candidacies are made directly (the candidacy services come with another slice).
"""

from __future__ import annotations

from typing import Any

from kontaktpflege.contacts.services import person_create
from kontaktpflege.recruiting.models import (
    Candidacy,
    Opening,
    PipelineStage,
    RejectionReason,
    StageKind,
)
from kontaktpflege.recruiting.services import recruiting_setup


def recruiting(workspace: Any) -> None:
    recruiting_setup(workspace=workspace, enabled=True)


def opening(workspace: Any, title: str = "Product Designer", **fields: Any) -> Opening:
    return Opening.objects.create(workspace=workspace, title=title, **fields)


def reason(workspace: Any) -> RejectionReason:
    return RejectionReason.objects.filter(workspace=workspace).order_by("position").first()


def candidacy(
    workspace: Any,
    job: Opening,
    stage_key: str,
    *,
    first_name: str = "Julia",
    last_name: str = "Weber",
    email: str | None = None,
    **person_fields: Any,
) -> Candidacy:
    """A candidate who reached `stage_key` and is in it now."""
    emails = [email] if email else ([] if email == "" else [f"{first_name.lower()}@example.com"])
    person = person_create(
        workspace=workspace,
        first_name=first_name,
        last_name=last_name,
        emails=emails,
        **person_fields,
    )
    stage = PipelineStage.objects.get(workspace=workspace, key=stage_key)
    reached = stage if stage.kind == StageKind.ACTIVE else None
    return Candidacy.objects.create(
        workspace=workspace,
        person=person,
        opening=job,
        stage=stage,
        reached_stage=reached,
        reached_position=stage.position if reached else 0,
    )
