"""Forms of campaigns: the audience (a pool, or a segment from the pool filter's fields), the
template with notes, and when it goes out."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kontaktpflege.messaging.selectors import template_library
from kontaktpflege.privacy.campaign_models import MAX_CAMPAIGN_NOTES
from kontaktpflege.privacy.models import Purpose
from kontaktpflege.recruiting import pools
from kontaktpflege.web.forms.base import StyledForm
from kontaktpflege.web.forms.pools import PoolForm

DATETIME = {"type": "datetime-local"}
SEGMENT = ""  # the pool choice that means "the segment below"


class PoolChoiceField(forms.TypedChoiceField):
    """A pool id from the select; the view looks it up in the workspace (404 when not one
    of its pools, as everywhere else), not the form."""

    def valid_value(self, value: Any) -> bool:
        return str(value).isdigit() and len(str(value)) <= 18


class CampaignForm(PoolForm):
    """A campaign: name, audience, consent needed, template and notes (the filter fields of
    PoolForm describe a segment when no pool is chosen)."""

    field_order = ["name", "pool", "purpose", "template_key", "notes"]

    pool = PoolChoiceField(
        label=_("Talent pool"), coerce=int, required=False, choices=[], empty_value=None
    )
    purpose = forms.ChoiceField(
        label=_("Consent needed"),
        choices=Purpose.choices,
        initial=Purpose.TALENT_POOL,
        help_text=_("Only people with valid consent for this purpose receive the campaign."),
    )
    template_key = forms.ChoiceField(label=_("Template"), choices=[], initial="nurture_update")
    notes = forms.CharField(
        label=_("Notes (the news, put into the template)"),
        max_length=MAX_CAMPAIGN_NOTES,
        required=False,
        widget=forms.Textarea({"rows": 6}),
    )

    def __init__(self, *args: Any, workspace: Any, **kwargs: Any) -> None:
        super().__init__(*args, workspace=workspace, **kwargs)
        del self.fields["description"], self.fields["kind"]
        self.fields["name"].max_length = 200  # type: ignore[attr-defined]
        pool_choices = [(p.pk, p.name) for p in pools.pool_list(workspace=workspace)[:200]]
        segment = [(SEGMENT, _("— the segment below —"))]
        self.fields["pool"].choices = segment + pool_choices  # type: ignore[attr-defined]
        self.fields["template_key"].choices = [  # type: ignore[attr-defined]
            (t.key, t.name) for t in template_library(workspace=workspace)
        ]

    def segment_fields(self) -> list[Any]:
        own = {"name", "pool", "purpose", "template_key", "notes"}
        return [f for f in self.visible_fields() if f.name not in own]


class SendForm(StyledForm):
    """Send a campaign now or at a set time (the confirmation page)."""

    send_at = forms.DateTimeField(
        label=_("Send at"),
        required=False,
        widget=forms.DateTimeInput(attrs=DATETIME, format="%Y-%m-%dT%H:%M"),
        help_text=_("Empty: now. A scheduled campaign can be cancelled until it starts."),
    )


class RateForm(StyledForm):
    """How many campaign messages the workspace sends per minute."""

    messages_per_minute = forms.IntegerField(
        label=_("Messages per minute"), min_value=1, max_value=10_000
    )
