"""Forms for the touchpoint log."""

from __future__ import annotations

import re
import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from kontaktpflege.contacts.models import Channel
from kontaktpflege.touchpoints.models import Direction, GiveTake
from kontaktpflege.web.forms.base import StyledForm


class QuickLogForm(StyledForm):
    """One line: "Coffee with Thomas – design thinking"."""

    text = forms.CharField(label=_("What happened?"), max_length=300)
    person = forms.IntegerField(required=False, widget=forms.HiddenInput)
    # Set by the "create … and log" confirmation: people nobody is called are created.
    create = forms.BooleanField(required=False, widget=forms.HiddenInput)
    token = forms.CharField(
        required=False, max_length=64, widget=forms.HiddenInput, initial=lambda: uuid.uuid4().hex
    )


class TouchpointForm(StyledForm):
    """A full touchpoint."""

    token = forms.CharField(
        required=False, max_length=64, widget=forms.HiddenInput, initial=lambda: uuid.uuid4().hex
    )
    occurred_at = forms.DateTimeField(
        label=_("When"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    direction = forms.ChoiceField(
        label=_("Direction"), choices=Direction.choices, initial=Direction.MUTUAL
    )
    summary = forms.CharField(label=_("Summary"), max_length=300)
    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=50000, widget=forms.Textarea(attrs={"rows": 4})
    )
    give_take = forms.ChoiceField(
        label=_("Give and take"), choices=GiveTake.choices, required=False
    )


class GroupMeetingForm(StyledForm):
    """A meeting with several people: ticked from a short list and/or named in a text field."""

    token = forms.CharField(
        required=False, max_length=64, widget=forms.HiddenInput, initial=lambda: uuid.uuid4().hex
    )
    occurred_at = forms.DateTimeField(
        label=_("When"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    summary = forms.CharField(label=_("Summary"), max_length=300)
    names = forms.CharField(
        label=_("Who was there"),
        required=False,
        max_length=5000,
        help_text=_("Names separated by commas or one per line, e.g. “Anna Berg, Thomas Keller”."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    people = forms.TypedMultipleChoiceField(
        label=_("Or tick them"),
        required=False,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=50000, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args: object, choices: list[tuple[int, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["people"].choices = choices  # type: ignore[attr-defined]
        self.fields["people"].widget.attrs["class"] = "form-check-input"

    def name_list(self) -> list[str]:
        """The names typed, split at commas, semicolons and line breaks."""
        raw = self.cleaned_data.get("names") or ""
        return [n.strip() for n in re.split(r"[,;\n]", raw) if n.strip()]
