"""Forms for organisations and the target-company list."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kontaktpflege.contacts.models import TargetStatus
from kontaktpflege.web.forms.base import StyledForm


class OrganisationForm(StyledForm):
    """Create or edit an organisation."""

    name = forms.CharField(label=_("Name"), max_length=200)
    industry = forms.CharField(label=_("Industry"), max_length=120, required=False)
    region = forms.CharField(label=_("Region"), max_length=120, required=False)
    website = forms.URLField(
        label=_("Website"), max_length=300, required=False, assume_scheme="https"
    )
    is_target = forms.BooleanField(label=_("Target company"), required=False)
    target_priority = forms.TypedChoiceField(
        label=_("Priority"),
        coerce=int,
        initial=3,
        choices=[(i, str(i)) for i in range(1, 6)],
        help_text=_("1 = highest"),
    )
    target_status = forms.ChoiceField(label=_("Status"), choices=TargetStatus.choices)
    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=20000, widget=forms.Textarea(attrs={"rows": 4})
    )
