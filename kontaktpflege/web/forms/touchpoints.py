"""Forms for the touchpoint log."""

from __future__ import annotations

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
