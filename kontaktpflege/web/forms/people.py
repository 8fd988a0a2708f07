"""Forms for people, relationships and employment."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kontaktpflege.contacts.models import (
    CHOSEN_CIRCLES,
    Channel,
    Circle,
    FormOfAddress,
    Gender,
    RelationshipContext,
)
from kontaktpflege.web.forms.base import StyledForm


def split_lines(value: str) -> list[str]:
    """Split a textarea or comma list into clean items."""
    return [item.strip() for item in value.replace(",", "\n").splitlines() if item.strip()]


class PersonForm(StyledForm):
    """Create or edit a person. Field-level rules live in the contacts services."""

    first_name = forms.CharField(label=_("First name"), required=False, max_length=100)
    last_name = forms.CharField(label=_("Last name"), required=False, max_length=100)
    academic_title = forms.CharField(
        label=_("Academic title"),
        required=False,
        max_length=40,
        help_text=_("e.g. Dr. — used in formal salutations"),
    )
    gender = forms.ChoiceField(
        label=_("Salutation"),
        choices=[
            ("", _("Neutral (Guten Tag …)")),
            (Gender.FEMALE, _("Ms (Frau)")),
            (Gender.MALE, _("Mr (Herr)")),
            (Gender.DIVERSE, _("Neutral, diverse")),
        ],
        required=False,
    )
    emails = forms.CharField(
        label=_("Email addresses"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One per line; the first is the main address."),
    )
    phones = forms.CharField(
        label=_("Phone numbers"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One per line, e.g. +49 170 1234567 or 0170 1234567."),
    )
    organisation_name = forms.CharField(label=_("Organisation"), required=False, max_length=200)
    job_title = forms.CharField(label=_("Job title"), required=False, max_length=200)
    circle = forms.ChoiceField(label=_("Circle"), choices=Circle.choices, initial=Circle.NETWORK)
    keep_in_touch_days = forms.IntegerField(
        label=_("Keep in touch every … days"),
        required=False,
        min_value=1,
        max_value=3650,
        help_text=_("Empty: the circle's interval (core 30, active 90, network 180 days)."),
    )
    linkedin_url = forms.URLField(
        label=_("LinkedIn profile"), required=False, max_length=300, assume_scheme="https"
    )
    xing_url = forms.URLField(
        label=_("Xing profile"), required=False, max_length=300, assume_scheme="https"
    )
    website = forms.URLField(
        label=_("Website"), required=False, max_length=300, assume_scheme="https"
    )
    birthday_day = forms.IntegerField(
        label=_("Birthday: day"), required=False, min_value=1, max_value=31
    )
    birthday_month = forms.IntegerField(
        label=_("Birthday: month"), required=False, min_value=1, max_value=12
    )
    birthday_year = forms.IntegerField(
        label=_("Birthday: year (optional)"), required=False, min_value=1900, max_value=2100
    )
    location = forms.CharField(label=_("Location"), required=False, max_length=200)
    language = forms.ChoiceField(
        label=_("Language"), choices=[("de", "Deutsch"), ("en", "English")]
    )
    form_of_address = forms.ChoiceField(label=_("Form of address"), choices=FormOfAddress.choices)
    preferred_channel = forms.ChoiceField(
        label=_("Preferred channel"), choices=[("", "—"), *Channel.choices], required=False
    )
    how_we_met = forms.CharField(label=_("How we met"), required=False, max_length=500)
    introduced_by_name = forms.CharField(
        label=_("Introduced by"),
        required=False,
        max_length=200,
        help_text=_("Name of someone already in your network."),
    )
    met_on = forms.DateField(
        label=_("Met on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    tags = forms.CharField(
        label=_("Tags"), required=False, max_length=1000, help_text=_("Separated by commas.")
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=50000, widget=forms.Textarea(attrs={"rows": 5})
    )

    def service_kwargs(self) -> dict[str, Any]:
        """The cleaned data in the shape contacts.services expects."""
        data = dict(self.cleaned_data)
        data.pop("organisation_name", None)
        data.pop("introduced_by_name", None)
        data["emails"] = split_lines(data.pop("emails", ""))
        data["phones"] = split_lines(data.pop("phones", ""))
        data["tags"] = [t.strip() for t in data.pop("tags", "").split(",") if t.strip()]
        return data


class RelationshipForm(StyledForm):
    """Connect a person with someone they know."""

    other = forms.IntegerField(widget=forms.HiddenInput, required=False)
    other_name = forms.CharField(
        label=_("Knows"), max_length=200, help_text=_("Name of someone already in your network.")
    )
    strength = forms.TypedChoiceField(
        label=_("Strength"),
        coerce=int,
        initial=3,
        choices=[
            (1, _("1 – barely")),
            (2, "2"),
            (3, _("3 – good")),
            (4, "4"),
            (5, _("5 – close")),
        ],
    )
    context = forms.ChoiceField(label=_("Context"), choices=RelationshipContext.choices)


class EmploymentForm(StyledForm):
    """Record a position in the employment history."""

    organisation_name = forms.CharField(label=_("Organisation"), max_length=200)
    title = forms.CharField(label=_("Title"), required=False, max_length=200)
    start_date = forms.DateField(
        label=_("Since"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end_date = forms.DateField(
        label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    is_current = forms.BooleanField(label=_("Current position"), required=False, initial=True)


def chosen_circles() -> list[tuple[str, Any]]:
    """The circles a user can choose (not the "unsorted" state)."""
    return [(value, label) for value, label in Circle.choices if value in CHOSEN_CIRCLES]


class PeopleBulkForm(StyledForm):
    """The people list's action bar: what to change for the checked people."""

    circle = forms.ChoiceField(label=_("Circle"), required=False, choices=())
    form_of_address = forms.ChoiceField(label=_("Form of address"), required=False, choices=())
    tags = forms.CharField(label=_("Add tags"), required=False, max_length=500)
    target = forms.BooleanField(label=_("Their employers are target companies"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        circle, address = self.fields["circle"], self.fields["form_of_address"]
        assert isinstance(circle, forms.ChoiceField) and isinstance(address, forms.ChoiceField)
        circle.choices = [("", _("Circle: keep")), *chosen_circles()]
        address.choices = [
            ("", _("Form of address: keep")),
            *FormOfAddress.choices,
        ]

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "circle": data.get("circle") or "",
            "form_of_address": data.get("form_of_address") or "",
            "add_tags": split_lines(data.get("tags") or ""),
            "target_company": bool(data.get("target")),
        }
