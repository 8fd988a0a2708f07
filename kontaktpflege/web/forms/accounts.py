"""Forms for accounts and settings."""

from __future__ import annotations

from django import forms
from django.contrib.auth.password_validation import validate_password
from django.utils.translation import gettext_lazy as _

from kontaktpflege.accounts.models import Role, User
from kontaktpflege.contacts.validation import validate_mail_address
from kontaktpflege.core.timeutils import is_valid_zone
from kontaktpflege.web.forms.base import StyledForm

COMMON_ZONES = [
    "Europe/Berlin",
    "Europe/Vienna",
    "Europe/Zurich",
    "Europe/London",
    "Europe/Paris",
    "Europe/Amsterdam",
    "Europe/Madrid",
    "Europe/Rome",
    "Europe/Warsaw",
    "Europe/Lisbon",
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "Asia/Tokyo",
    "Asia/Singapore",
    "Australia/Sydney",
    "UTC",
]


class SignupForm(StyledForm):
    """A new account."""

    first_name = forms.CharField(label=_("First name"), max_length=100, required=False)
    username = forms.RegexField(
        label=_("Username"),
        max_length=150,
        regex=r"^[\w.@+-]+$",
        error_messages={"invalid": _("Letters, digits and @.+-_ only.")},
    )
    email = forms.EmailField(label=_("Email"))
    password1 = forms.CharField(label=_("Password"), widget=forms.PasswordInput)
    password2 = forms.CharField(label=_("Password again"), widget=forms.PasswordInput)

    def clean_username(self) -> str:
        name = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=name).exists():
            raise forms.ValidationError(_("This username is taken."))
        return name

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(_("An account with this email exists."))
        return email

    def clean(self) -> dict:
        data = super().clean() or {}
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", _("The passwords differ."))
        elif data.get("password1"):
            try:
                validate_password(data["password1"])
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return data


class PreferencesForm(StyledForm):
    """Language and time zone."""

    language = forms.ChoiceField(
        label=_("Language"), choices=[("de", "Deutsch"), ("en", "English")]
    )
    time_zone = forms.CharField(
        label=_("Time zone"),
        max_length=64,
        widget=forms.TextInput(attrs={"list": "time-zones"}),
        help_text=_("An IANA name such as Europe/Berlin."),
    )

    def clean_time_zone(self) -> str:
        zone = self.cleaned_data["time_zone"].strip()
        if not is_valid_zone(zone):
            raise forms.ValidationError(_("Unknown time zone."))
        return zone


class ApiTokenForm(StyledForm):
    """A new API token."""

    name = forms.CharField(label=_("Token name"), max_length=100)


class InvitationForm(StyledForm):
    """Invite someone by email."""

    email = forms.EmailField(label=_("Email"), validators=[validate_mail_address])
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.MEMBER)


class EmailChangeForm(StyledForm):
    """A new account email (confirmed by a link before it counts)."""

    email = forms.EmailField(
        label=_("Email address"), max_length=254, validators=[validate_mail_address]
    )


class ApprovedSenderForm(StyledForm):
    """An address at the site's mail domain the workspace may send as."""

    email = forms.EmailField(label=_("Sender address"), validators=[validate_mail_address])
