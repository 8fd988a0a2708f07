"""Forms for composing messages, editing templates and the sender settings."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kontaktpflege.messaging.compose import ABOUT_RE
from kontaktpflege.messaging.models import (
    MAX_BODY_CHARS,
    MAX_NOTES_CHARS,
    MAX_TEMPLATE_CHARS,
    MessageChannel,
    TemplateVariant,
)
from kontaktpflege.web.forms.base import StyledForm


class ComposeForm(StyledForm):
    """Template + personal notes → final text, then send, mark as sent or preview."""

    template = forms.ChoiceField(label=_("Template"), required=False)
    variant = forms.ChoiceField(label=_("Language and tone"), choices=TemplateVariant.choices)
    channel = forms.ChoiceField(label=_("Channel"), choices=MessageChannel.choices)
    to_address = forms.CharField(label=_("To"), required=False, max_length=320)
    notes = forms.CharField(
        label=_("Your personal notes"),
        required=False,
        max_length=MAX_NOTES_CHARS,
        help_text=_(
            "Inserted where the template says {{ notes }}: what you talked about, "
            "what you offer, the link you pass on."
        ),
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    subject = forms.CharField(label=_("Subject"), required=False, max_length=300)
    body = forms.CharField(
        label=_("Text"),
        required=False,
        max_length=MAX_BODY_CHARS,
        help_text=_(
            "Edit freely. Until you change it, the text follows the template and notes; "
            "empty it to start again from the template."
        ),
        widget=forms.Textarea(attrs={"rows": 16}),
    )
    generated_subject = forms.CharField(required=False, max_length=300, widget=forms.HiddenInput)
    generated_body = forms.CharField(
        required=False, max_length=MAX_BODY_CHARS, widget=forms.HiddenInput
    )
    idempotency_key = forms.CharField(max_length=64, widget=forms.HiddenInput)
    followup = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    # What the message is about ("application:12"); its provider checks the workspace.
    about = forms.RegexField(
        regex=ABOUT_RE, required=False, max_length=50, widget=forms.HiddenInput
    )

    def __init__(self, *args: object, templates: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["template"].choices = [("", _("— no template —")), *templates]  # type: ignore[attr-defined]
        self.fields["to_address"].widget.attrs["list"] = "recipient-options"


class TemplateForm(StyledForm):
    """One variant of a workspace template."""

    name = forms.CharField(label=_("Name"), max_length=120)
    subject = forms.CharField(label=_("Subject"), required=False, max_length=300)
    body = forms.CharField(
        label=_("Text"),
        max_length=MAX_TEMPLATE_CHARS,
        widget=forms.Textarea(attrs={"rows": 18, "spellcheck": "true"}),
    )


class NewTemplateForm(StyledForm):
    """A new template of the workspace."""

    name = forms.CharField(label=_("Name"), max_length=120)
    key = forms.SlugField(
        label=_("Short name for the address"),
        max_length=60,
        help_text=_(
            "Used in the template's page address: lower-case letters, digits, "
            "hyphens or underscores, e.g. thank-you-note."
        ),
    )


class SenderSettingsForm(StyledForm):
    """How your messages go out."""

    from_name = forms.CharField(label=_("From name"), required=False, max_length=120)
    from_email = forms.CharField(
        label=_("From address"),
        required=False,
        max_length=254,
        help_text=_(
            "Your confirmed account email, or an address at the site's domain that an owner "
            "approved. Otherwise the site's address is used with your name, and replies come "
            "to your account email."
        ),
    )
    reply_to = forms.CharField(label=_("Reply-to address"), required=False, max_length=254)
    company = forms.CharField(label=_("Company"), required=False, max_length=200)
    signature = forms.CharField(
        label=_("Signature"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
