"""Forms of the recruiting area: openings, candidates, moves, notes, CVs and the settings."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kontaktpflege.recruiting.models import CareerLevel, JobType, OpeningStatus, WorkMode
from kontaktpflege.web.forms.base import StyledForm


class OpeningForm(StyledForm):
    """Create or edit an opening; skills as a comma-separated list."""

    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    skills = forms.CharField(
        label=_("Skills"),
        required=False,
        max_length=4000,
        help_text=_("Separated by commas, e.g. Python, SQL, Buchhaltung."),
    )
    career_level = forms.ChoiceField(
        label=_("Career level"),
        required=False,
        choices=[("", "—"), *CareerLevel.choices],
    )
    location = forms.CharField(label=_("Location"), required=False, max_length=200)
    work_mode = forms.ChoiceField(label=_("Work mode"), choices=WorkMode.choices)
    job_type = forms.ChoiceField(label=_("Job type"), choices=JobType.choices)
    status = forms.ChoiceField(label=_("Status"), choices=OpeningStatus.choices)


class NewCandidateForm(StyledForm):
    """A new person who becomes a candidate at once."""

    first_name = forms.CharField(label=_("First name"), max_length=100, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=100, required=False)
    email = forms.EmailField(label=_("Email"), required=False, max_length=320)
    location = forms.CharField(
        label=_("Location"), required=False, max_length=200, help_text=_("For re-matching")
    )
    source = forms.CharField(
        label=_("Source"), required=False, max_length=40, help_text=_("e.g. LinkedIn, referral")
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not (data.get("first_name", "").strip() or data.get("last_name", "").strip()):
            raise forms.ValidationError(_("Give at least a first or a last name."))
        return data


class ExistingCandidateForm(StyledForm):
    """Someone already in the workspace (chosen from the search results by id)."""

    person = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    source = forms.CharField(label=_("Source"), required=False, max_length=40)


class MoveForm(StyledForm):
    stage = forms.IntegerField(label=_("Stage"), min_value=1)


class StageNoteForm(StyledForm):
    """A note and/or a rating on the candidacy at its current stage."""

    text = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    rating = forms.TypedChoiceField(
        label=_("Rating"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "—"), *[(i, "★" * i) for i in range(1, 6)]],
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not (data.get("text") or "").strip() and data.get("rating") is None:
            raise forms.ValidationError(_("Write a note or give a rating."))
        return data


class CandidacyNotesForm(StyledForm):
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        max_length=50000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class CvForm(StyledForm):
    file = forms.FileField(
        label=_("CV (PDF or DOCX)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.docx"}),
    )


class RecruitingSwitchForm(StyledForm):
    enabled = forms.BooleanField(label=_("Recruiting switched on"), required=False)
    job_seeker_areas = forms.BooleanField(
        label=_("Show Applications and Conversations"),
        required=False,
        help_text=_("A recruiting team's workspace can leave out the job-seeker areas."),
    )


class StageNameForm(StyledForm):
    name = forms.CharField(label=_("Name"), required=False, max_length=80)


class NewStageForm(StyledForm):
    name = forms.CharField(label=_("New stage"), max_length=80)


class LateStageForm(StyledForm):
    late_stage = forms.IntegerField(label=_("Personal rejection from stage"), min_value=1)


class ReasonForm(StyledForm):
    label = forms.CharField(label=_("Reason"), max_length=200)
    active = forms.BooleanField(label=_("Offered"), required=False)
