"""The public talent-pool sign-up form (no account), the privacy settings, and consent
recorded or withdrawn by a recruiter."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kontaktpflege.privacy.models import Purpose
from kontaktpflege.recruiting.models import CareerLevel, JobType
from kontaktpflege.web.forms.base import StyledForm


class PoolSignupForm(StyledForm):
    """Name, address, interests, career level and preferred job type, and the consent tick.

    `website` is a honeypot: hidden from people, filled in by bots.
    """

    name = forms.CharField(label=_("Name"), max_length=200)
    email = forms.EmailField(label=_("Email"), max_length=254)
    interests = forms.CharField(
        label=_("Interests"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example the fields or roles you would like to hear about."),
    )
    career_level = forms.ChoiceField(
        label=_("Career level"), required=False, choices=[("", "–"), *CareerLevel.choices]
    )
    job_type = forms.ChoiceField(
        label=_("Preferred job type"), required=False, choices=[("", "–"), *JobType.choices]
    )
    agree = forms.BooleanField(label=_("I agree"), required=True)
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def __init__(self, *args: object, statement: str = "", **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        if statement:
            self.fields["agree"].label = statement
        self.fields["agree"].error_messages["required"] = _(
            "Please tick the box to agree; without consent we cannot keep your details."
        )

    @property
    def is_bot(self) -> bool:
        """The honeypot was filled in."""
        return bool(self.data.get("website"))


class PrivacySettingsForm(StyledForm):
    """The owner's switches for the public sign-up."""

    signup_enabled = forms.BooleanField(
        label=_("Public talent-pool sign-up is open"), required=False
    )
    consent_months = forms.IntegerField(
        label=_("Consent lasts (months)"), min_value=1, max_value=36
    )


class NoticeForm(StyledForm):
    """A new version of the privacy notice in one language."""

    language = forms.ChoiceField(
        label=_("Language"), choices=[("de", _("German")), ("en", _("English"))]
    )
    text = forms.CharField(
        label=_("Privacy notice"), max_length=50000, widget=forms.Textarea(attrs={"rows": 10})
    )


class RetentionForm(StyledForm):
    """The owner's retention period for rejected candidates without consent."""

    retention_months = forms.IntegerField(
        label=_("Retention period (months)"),
        min_value=1,
        max_value=120,
        help_text=_("Counted from the day the rejection was sent."),
    )


class ConsentRecordForm(StyledForm):
    """Consent a person gave outside the app, recorded by a recruiter with the proof."""

    purpose = forms.ChoiceField(label=_("Purpose"), choices=Purpose.choices)
    notice_version = forms.CharField(widget=forms.HiddenInput, max_length=40)
    proof_note = forms.CharField(
        label=_("Note of proof"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_('How and when the person agreed, e.g. "phone call 2026-12-01".'),
    )


class ConsentWithdrawForm(StyledForm):
    """A withdrawal on the person's behalf (they phoned or wrote)."""

    purpose = forms.ChoiceField(label=_("Purpose"), choices=Purpose.choices)
    note = forms.CharField(
        label=_("How the withdrawal reached you"),
        required=False,
        max_length=2000,
        widget=forms.TextInput,
    )
