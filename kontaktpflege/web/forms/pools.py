"""Forms of the talent pools, re-matching and candidate skill tags."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kontaktpflege.contacts.models import Tag
from kontaktpflege.recruiting.models import (
    CareerLevel,
    ConsentState,
    JobType,
    PipelineStage,
    PoolKind,
    Skill,
    StageKind,
    WorkMode,
)
from kontaktpflege.web.forms.base import StyledForm

CHOICE_FILTERS = ("career_level", "job_type", "work_mode", "consent_state")


class PoolForm(StyledForm):
    """A pool: name, description, kind, and for dynamic pools the filter's fields."""

    name = forms.CharField(label=_("Name"), max_length=120)
    description = forms.CharField(
        label=_("Description"), max_length=5000, required=False, widget=forms.Textarea({"rows": 2})
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=PoolKind.choices, initial=PoolKind.DYNAMIC)
    tags = forms.TypedMultipleChoiceField(
        label=_("Tags (all of)"), coerce=int, required=False, choices=[]
    )
    skills = forms.TypedMultipleChoiceField(
        label=_("Skills (all of)"), coerce=int, required=False, choices=[]
    )
    career_level = forms.MultipleChoiceField(
        label=_("Career level (any of)"), choices=CareerLevel.choices, required=False
    )
    job_type = forms.MultipleChoiceField(
        label=_("Job type (any of)"), choices=JobType.choices, required=False
    )
    location = forms.CharField(label=_("Location contains"), max_length=200, required=False)
    work_mode = forms.MultipleChoiceField(
        label=_("Work mode (any of)"), choices=WorkMode.choices, required=False
    )
    stage_reached = forms.TypedChoiceField(
        label=_("Stage reached (at least)"),
        coerce=int,
        required=False,
        choices=[],
        empty_value=None,
    )
    consent_state = forms.MultipleChoiceField(
        label=_("Consent (any of)"), choices=ConsentState.choices, required=False
    )
    silver_medallist = forms.BooleanField(label=_("Silver medallists only"), required=False)
    contacted_within_days = forms.IntegerField(
        label=_("Last contact within (days)"), min_value=0, max_value=36500, required=False
    )
    not_contacted_for_days = forms.IntegerField(
        label=_("No contact for at least (days)"), min_value=0, max_value=36500, required=False
    )

    def __init__(self, *args: Any, workspace: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        tags = Tag.objects.filter(workspace=workspace).order_by("name")[:500]
        self.fields["tags"].choices = [(t.pk, t.name) for t in tags]  # type: ignore[attr-defined]
        skills = Skill.objects.filter(workspace=workspace).order_by("name")[:1000]
        self.fields["skills"].choices = [(s.pk, s.name) for s in skills]  # type: ignore[attr-defined]
        stages = PipelineStage.objects.filter(workspace=workspace, kind=StageKind.ACTIVE)
        self.fields["stage_reached"].choices = [("", "—")] + [  # type: ignore[attr-defined]
            (s.position, s.label) for s in stages.order_by("position")
        ]
        if editing:
            del self.fields["kind"]

    def filters(self) -> dict[str, Any]:
        """The filter as the pools service takes it (empty fields left out)."""
        data = self.cleaned_data
        out: dict[str, Any] = {}
        for key in ("tags", "skills", *CHOICE_FILTERS):
            if data.get(key):
                out[key] = list(data[key])
        if data.get("location"):
            out["location"] = data["location"]
        if data.get("stage_reached") is not None:
            out["stage_reached"] = data["stage_reached"]
        if data.get("silver_medallist"):
            out["silver_medallist"] = True
        for key in ("contacted_within_days", "not_contacted_for_days"):
            if data.get(key) is not None:
                out[key] = data[key]
        return out


def pool_initial(pool: Any) -> dict[str, Any]:
    """The form's initial values from a saved pool."""
    initial: dict[str, Any] = {"name": pool.name, "description": pool.description}
    initial.update(pool.filters or {})
    return initial


class MemberForm(StyledForm):
    """Add a person to a static pool."""

    person = forms.TypedChoiceField(label=_("Person"), coerce=int, choices=[])

    def __init__(self, *args: Any, choices: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = choices  # type: ignore[attr-defined]


class InviteForm(StyledForm):
    """Invite the chosen candidates to an opening."""

    person = forms.TypedMultipleChoiceField(label=_("Invite"), coerce=int, choices=[])
    notes = forms.CharField(
        label=_("Personal note in the invitation"),
        max_length=2000,
        required=False,
        widget=forms.Textarea({"rows": 2}),
    )

    def __init__(self, *args: Any, choices: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = choices  # type: ignore[attr-defined]


class SkillAddForm(StyledForm):
    """Tag a person with a skill by hand."""

    skill = forms.CharField(label=_("Skill"), max_length=80)


class ProfileForm(StyledForm):
    """Career level and job type by hand ("automatic" hands them back to the tag pass)."""

    career_level = forms.ChoiceField(
        label=_("Career level"),
        choices=[("", _("automatic")), *list(CareerLevel.choices)],
        required=False,
    )
    job_type = forms.ChoiceField(
        label=_("Preferred job type"),
        choices=[("", _("automatic")), *list(JobType.choices)],
        required=False,
    )
