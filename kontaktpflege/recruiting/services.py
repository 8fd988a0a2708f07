"""Writes of the recruiting side: switching it on, stages, reasons, openings, candidacies,
stage moves, notes and ratings. Rejections, tags and pools live in modules of their own."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from kontaktpflege.accounts.models import Workspace
from kontaktpflege.contacts.models import Person
from kontaktpflege.contacts.services import person_create
from kontaktpflege.contacts.validation import clean_text
from kontaktpflege.recruiting.models import (
    DEFAULT_LATE_STAGE,
    DEFAULT_REJECTION_REASONS,
    DEFAULT_STAGES,
    Candidacy,
    CandidateProfile,
    Opening,
    PipelineStage,
    RecruitingSettings,
    RejectionReason,
    StageKind,
    StageMove,
    StageNote,
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


# --- Switching on, stages, reasons, late stage -------------------------------------------

JOB_SEEKER_AREAS = "job_seeker_areas"


@transaction.atomic
def recruiting_switch(
    *, workspace: Workspace, enabled: bool, job_seeker_areas: bool = True
) -> RecruitingSettings:
    """Switch the recruiting screens on or off and choose whether the job-seeker areas show.

    The navigation reads both flags from the workspace's settings (already loaded with the
    membership), so the page shell needs no query for them; RecruitingSettings stays the
    source of truth for the recruiting pages.
    """
    found = recruiting_setup(workspace=workspace, enabled=enabled)
    ws = Workspace.objects.select_for_update().get(pk=workspace.pk)
    ws.settings = {**(ws.settings or {}), "recruiting": enabled, JOB_SEEKER_AREAS: job_seeker_areas}
    ws.save(update_fields=["settings"])
    workspace.settings = ws.settings
    return found


def _stage_of(workspace: Workspace, stage: PipelineStage | None, field: str) -> PipelineStage:
    if stage is None or stage.workspace_id != workspace.pk:
        raise ValidationError({field: _("Choose a stage of this workspace.")})
    return stage


def _clean_name(value: str, field: str, limit: int) -> str:
    """A required one-line name: spaces collapsed, control characters refused."""
    value = clean_text(" ".join((value or "").split()), field=field, max_length=limit)
    if not value:
        raise ValidationError({field: _("This field is required.")})
    return value


@transaction.atomic
def stage_rename(*, stage: PipelineStage, name: str) -> PipelineStage:
    """Give a stage the team's own name (blank: the shipped name in the reader's language)."""
    stage.name = clean_text(" ".join((name or "").split()), field="name", max_length=80)
    stage.save(update_fields=["name", "updated_at"])
    return stage


@transaction.atomic
def stage_add(*, workspace: Workspace, name: str) -> PipelineStage:
    """Add an active stage after the last active one."""
    name = _clean_name(name, "name", 80)
    stages = list(PipelineStage.objects.select_for_update().filter(workspace=workspace))
    base = slugify(name)[:30] or "stage"
    keys = {s.key for s in stages}
    key, n = base, 2
    while key in keys:
        key, n = f"{base}-{n}", n + 1
    active = [s for s in stages if s.kind == StageKind.ACTIVE]
    stage = PipelineStage.objects.create(
        workspace=workspace, key=key, name=name, position=0, kind=StageKind.ACTIVE
    )
    _renumber(workspace, [s.pk for s in active] + [stage.pk])
    stage.refresh_from_db()
    return stage


@transaction.atomic
def stages_reorder(*, workspace: Workspace, active_ids: list[int]) -> None:
    """Put the active stages in the given order; closed stages (hired, rejected, withdrawn)
    stay after them. The furthest stage each candidacy reached keeps its meaning."""
    active = set(
        PipelineStage.objects.select_for_update()
        .filter(workspace=workspace, kind=StageKind.ACTIVE)
        .values_list("pk", flat=True)
    )
    if len(active_ids) != len(set(active_ids)) or set(active_ids) != active:
        raise ValidationError({"order": _("Give every in-progress stage exactly once.")})
    _renumber(workspace, active_ids)


def _renumber(workspace: Workspace, active_ids: list[int]) -> None:
    """Positions 10, 20, … for the active stages in order, then the closed ones; the stored
    reached positions follow their stages."""
    closed = list(
        PipelineStage.objects.filter(workspace=workspace)
        .exclude(kind=StageKind.ACTIVE)
        .order_by("position", "id")
        .values_list("pk", flat=True)
    )
    for i, pk in enumerate([*active_ids, *closed], start=1):
        PipelineStage.objects.filter(pk=pk).update(position=i * 10)
    positions = dict(
        PipelineStage.objects.filter(workspace=workspace).values_list("pk", "position")
    )
    for pk in active_ids:
        Candidacy.objects.filter(workspace=workspace, reached_stage_id=pk).update(
            reached_position=positions[pk]
        )
    _profiles_refresh(workspace=workspace)


def candidate_profile_ensure(*, person: Person) -> CandidateProfile:
    """The person's candidate profile, made now if missing; its location is the person's.

    The profile keeps a copy of Person.location so that pools and re-matching filter on one
    table; the tag pass (after any change to the person) keeps the copy current.
    """
    profile, created = CandidateProfile.objects.get_or_create(
        person=person,
        defaults={"workspace_id": person.workspace_id, "location": person.location},
    )
    if not created and profile.location != person.location:
        profile.location = person.location
        profile.save(update_fields=["location", "updated_at"])
    return profile


def candidate_locations_sync(*, workspace: Workspace | None = None) -> int:
    """Copy each person's location into their candidate profile where it differs (profiles
    made before the copy was kept, or after a change the worker has not seen yet); returns
    how many profiles changed."""
    stale = CandidateProfile.objects.exclude(location=F("person__location"))
    if workspace is not None:
        stale = stale.filter(workspace=workspace)
    person_location = Person.objects.filter(pk=OuterRef("person_id")).values("location")[:1]
    return CandidateProfile.objects.filter(pk__in=stale.values("pk")).update(
        location=Subquery(person_location), updated_at=timezone.now()
    )


def _profiles_refresh(*, workspace: Workspace, person_ids: list[int] | None = None) -> None:
    """A profile's reached position is the furthest of the person's candidacies."""
    profiles = CandidateProfile.objects.filter(workspace=workspace)
    if person_ids is not None:
        profiles = profiles.filter(person_id__in=person_ids)
    furthest = (
        Candidacy.objects.filter(person_id=OuterRef("person_id"))
        .values("person_id")
        .annotate(m=Max("reached_position"))
        .values("m")
    )
    profiles.update(reached_position=Coalesce(Subquery(furthest), 0))


@transaction.atomic
def late_stage_set(*, workspace: Workspace, stage: PipelineStage | None) -> RecruitingSettings:
    """From which active stage on a rejected candidate gets the personal tier."""
    stage = _stage_of(workspace, stage, "late_stage")
    if stage.kind != StageKind.ACTIVE:
        raise ValidationError({"late_stage": _("Choose a stage that is still in progress.")})
    found = recruiting_setup(workspace=workspace)
    found.late_stage = stage
    found.save(update_fields=["late_stage", "updated_at"])
    return found


@transaction.atomic
def reason_add(*, workspace: Workspace, label: str) -> RejectionReason:
    """Add a rejection reason at the end of the list."""
    label = _clean_name(label, "label", 200)
    last = RejectionReason.objects.filter(workspace=workspace).aggregate(m=Max("position"))["m"]
    return RejectionReason.objects.create(
        workspace=workspace, label=label, position=(last or 0) + 1
    )


@transaction.atomic
def reason_update(*, reason: RejectionReason, label: str, active: bool) -> RejectionReason:
    """Rename a reason or stop offering it (rejections that used it keep it)."""
    reason.label = _clean_name(label, "label", 200)
    reason.active = active
    reason.save(update_fields=["label", "active", "updated_at"])
    return reason


# --- Openings ----------------------------------------------------------------------------

OPENING_FIELDS = (
    "title",
    "description",
    "skills",
    "career_level",
    "location",
    "work_mode",
    "job_type",
    "status",
)


def _clean_skills(value: Any) -> list[str]:
    if isinstance(value, str):
        value = value.replace(";", ",").replace("\n", ",").split(",")
    if not isinstance(value, list | tuple):
        raise ValidationError({"skills": _("Give the skills as a list of names.")})
    skills: list[str] = []
    for raw in value:
        name = clean_text(" ".join(str(raw).split()), field="skills", max_length=80)
        if not name:
            continue
        if name.casefold() not in {s.casefold() for s in skills}:
            skills.append(name)
    if len(skills) > 50:
        raise ValidationError({"skills": _("At most 50 skills, please.")})
    return skills


def _opening_apply(opening: Opening, fields: dict[str, Any]) -> None:
    unknown = set(fields) - set(OPENING_FIELDS)
    if unknown:
        raise TypeError(f"unknown opening fields: {sorted(unknown)}")
    if "skills" in fields:
        fields["skills"] = _clean_skills(fields["skills"])
    if "title" in fields:
        fields["title"] = _clean_name(fields["title"], "title", 200)
    for name, value in fields.items():
        if isinstance(value, str) and name != "title":
            value = clean_text(value, field=name, max_length=20000, multiline=name == "description")
        setattr(opening, name, value)
    opening.full_clean(exclude=["workspace", "created_by"])


@transaction.atomic
def opening_create(*, workspace: Workspace, created_by: Any = None, **fields: Any) -> Opening:
    """Open a position; the title is required, every choice is checked."""
    opening = Opening(workspace=workspace, created_by=created_by)
    _opening_apply(opening, fields)
    opening.save()
    return opening


@transaction.atomic
def opening_update(*, opening: Opening, **fields: Any) -> Opening:
    """Change the fields given."""
    _opening_apply(opening, fields)
    opening.save()
    return opening


# --- Candidacies and stage moves ---------------------------------------------------------


def _source(value: str) -> str:
    return clean_text(" ".join((value or "").split()), field="source", max_length=40)


def _first_stage(workspace: Workspace) -> PipelineStage:
    stage = (
        PipelineStage.objects.filter(workspace=workspace, kind=StageKind.ACTIVE)
        .order_by("position", "id")
        .first()
    )
    if stage is None:
        raise ValidationError(_("Switch recruiting on first: the workspace has no stages."))
    return stage


@transaction.atomic
def candidacy_create(
    *,
    opening: Opening,
    person: Person,
    stage: PipelineStage | None = None,
    source: str = "",
    by: Any = None,
) -> Candidacy:
    """A person becomes a candidate for an opening, at the first stage unless given."""
    workspace = opening.workspace
    if person.workspace_id != opening.workspace_id:
        raise ValidationError({"person": _("Choose a person of this workspace.")})
    stage = _first_stage(workspace) if stage is None else _stage_of(workspace, stage, "stage")
    if stage.kind != StageKind.ACTIVE:
        raise ValidationError({"stage": _("A new candidacy starts at a stage in progress.")})
    if Candidacy.objects.filter(opening=opening, person=person).exists():
        raise ValidationError(
            {
                "person": _("%(name)s is already a candidate for this opening.")
                % {"name": person.full_name}
            }
        )
    now = timezone.now()
    candidacy = Candidacy.objects.create(
        workspace=workspace,
        opening=opening,
        person=person,
        stage=stage,
        reached_stage=stage,
        reached_position=stage.position,
        stage_changed_at=now,
        source=_source(source),
    )
    StageMove.objects.create(
        workspace=workspace, candidacy=candidacy, from_stage=None, to_stage=stage, moved_by=by
    )
    candidate_profile_ensure(person=person)
    _profiles_refresh(workspace=workspace, person_ids=[person.pk])
    return candidacy


@transaction.atomic
def candidate_add_new(
    *,
    opening: Opening,
    first_name: str,
    last_name: str = "",
    email: str = "",
    location: str = "",
    source: str = "",
    by: Any = None,
) -> Candidacy:
    """Create a person and their candidacy in one step (nothing is kept if either fails)."""
    if not (first_name.strip() or last_name.strip()):
        raise ValidationError({"first_name": _("Give at least a first or a last name.")})
    person = person_create(
        workspace=opening.workspace,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        location=" ".join(location.split()),
        emails=[email] if email else None,
    )
    return candidacy_create(opening=opening, person=person, source=source, by=by)


@transaction.atomic
def candidacy_move(
    *, candidacy: Candidacy, stage: PipelineStage, by: Any = None, rejecting: bool = False
) -> Candidacy:
    """Move a candidacy to another stage of its workspace and record the move.

    Moving to a rejected stage belongs to the rejection workflow (a reason and a message):
    it passes `rejecting=True`. The furthest active stage reached only grows, so a
    rejection keeps it. Moving to the stage it is at already changes nothing (a double
    submit records one move).
    """
    workspace = candidacy.workspace
    stage = _stage_of(workspace, stage, "stage")
    if stage.kind == StageKind.REJECTED and not rejecting:
        raise ValidationError({"stage": _("Reject a candidate with a reason instead.")})
    locked = Candidacy.objects.select_for_update().get(pk=candidacy.pk)
    if locked.stage_id == stage.pk:
        return locked
    previous = locked.stage_id
    locked.stage = stage
    locked.stage_changed_at = timezone.now()
    fields = ["stage", "stage_changed_at", "updated_at"]
    if stage.kind == StageKind.ACTIVE and stage.position > locked.reached_position:
        locked.reached_position = stage.position
        locked.reached_stage = stage
        fields += ["reached_position", "reached_stage"]
    locked.save(update_fields=fields)
    StageMove.objects.create(
        workspace=workspace,
        candidacy=locked,
        from_stage_id=previous,
        to_stage=stage,
        moved_by=by,
    )
    _profiles_refresh(workspace=workspace, person_ids=[locked.person_id])
    return locked


@transaction.atomic
def stage_note_add(
    *,
    candidacy: Candidacy,
    text: str = "",
    rating: int | None = None,
    stage: PipelineStage | None = None,
    author: Any = None,
) -> StageNote:
    """A note and/or a rating (1–5) on the candidacy at a stage (its current one by default)."""
    workspace = candidacy.workspace
    stage = candidacy.stage if stage is None else _stage_of(workspace, stage, "stage")
    text = clean_text(text, field="text", max_length=20000, multiline=True)
    if rating is not None and not 1 <= rating <= 5:
        raise ValidationError({"rating": _("A rating is from 1 to 5.")})
    if not text and rating is None:
        raise ValidationError({"text": _("Write a note or give a rating.")})
    return StageNote.objects.create(
        workspace=workspace,
        candidacy=candidacy,
        stage=stage,
        text=text,
        rating=rating,
        author=author,
    )


@transaction.atomic
def candidacy_update(*, candidacy: Candidacy, notes: str, source: str | None = None) -> Candidacy:
    """Change the candidacy's general notes (and its source)."""
    candidacy.notes = clean_text(notes, field="notes", max_length=50000, multiline=True)
    fields = ["notes", "updated_at"]
    if source is not None:
        candidacy.source = _source(source)
        fields.append("source")
    candidacy.save(update_fields=fields)
    return candidacy
