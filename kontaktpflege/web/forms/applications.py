"""Forms for applications: the application itself, a contact with a role, an interview,
a rejection and a move on the board."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kontaktpflege.applications.models import ContactRole, InterviewKind, Stage
from kontaktpflege.contacts.models import Gender
from kontaktpflege.web.forms.base import StyledForm

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


def _text(label: Any, limit: int, rows: int = 3) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=limit,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


class ApplicationForm(StyledForm):
    """Create or edit an application; the organisation by name (found or added)."""

    organisation_name = forms.CharField(
        label=_("Organisation"),
        max_length=200,
        widget=forms.TextInput(attrs={"list": "organisation-names", "autocomplete": "off"}),
    )
    position = forms.CharField(label=_("Position"), max_length=200)
    posting_url = forms.URLField(
        label=_("Link to the posting"), max_length=500, required=False, assume_scheme="https"
    )
    stage = forms.ChoiceField(label=_("Stage"), choices=Stage.choices, initial=Stage.SAVED)
    applied_on = forms.DateField(label=_("Applied on"), required=False, widget=DATE)
    salary_min = forms.IntegerField(label=_("Salary from"), required=False, min_value=0)
    salary_max = forms.IntegerField(label=_("Salary to"), required=False, min_value=0)
    salary_currency = forms.CharField(label=_("Currency"), max_length=3, required=False)
    notes = _text(_("Notes"), 50000, 4)
    outcome = _text(_("Outcome"), 5000)
    feedback = _text(_("Feedback received"), 10000)
    lessons = _text(_("What I will do better next time"), 10000)


class ContactForm(StyledForm):
    """A contact of the application: someone you know by name, or a new person."""

    name = forms.CharField(
        label=_("Name"),
        max_length=200,
        widget=forms.TextInput(attrs={"list": "people-names", "autocomplete": "off"}),
        help_text=_("Someone you know, or a new person at the organisation."),
    )
    role = forms.ChoiceField(label=_("Role"), choices=ContactRole.choices)
    gender = forms.ChoiceField(
        label=_("Gender (for the salutation of a new person)"),
        choices=Gender.choices,
        required=False,
    )
    email = forms.EmailField(label=_("Email (of a new person)"), required=False, max_length=320)


class InterviewForm(StyledForm):
    """An interview: date and time in the reader's zone, kind, participants, notes."""

    day = forms.DateField(label=_("Date"), widget=DATE)
    time = forms.TimeField(label=_("Time"), widget=TIME, initial=dt.time(10, 0))
    kind = forms.ChoiceField(label=_("Kind"), choices=InterviewKind.choices)
    participants = forms.TypedMultipleChoiceField(
        label=_("Participants"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    notes = _text(_("Notes"), 50000, 4)
    questions = _text(_("Questions asked"), 20000, 4)

    def __init__(self, *args: Any, people: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["participants"]
        assert isinstance(field, forms.TypedMultipleChoiceField)
        field.choices = people
        field.widget.attrs["class"] = "form-check-input"


class RejectForm(StyledForm):
    """A rejection on its date, with the feedback received."""

    rejected_on = forms.DateField(label=_("Rejected on"), widget=DATE)
    feedback = _text(_("Feedback received"), 10000)


class MoveForm(forms.Form):
    """A move on the board (the stage select and button of a card)."""

    stage = forms.ChoiceField(choices=Stage.choices)
