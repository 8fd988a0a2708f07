"""Forms for accounts and settings."""

from __future__ import annotations

import functools
import zoneinfo
from typing import Any

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from kontaktpflege.accounts import throttle
from kontaktpflege.accounts.models import Role, User
from kontaktpflege.accounts.services import validate_user_name
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


class ThrottledLoginMixin:
    """Refuse log-ins while the account or the client IP is throttled; count failures.

    The check comes before the password is tried, so after the limit even the right
    password is refused until the window ends.
    """

    request: Any
    throttle_message = ""
    notice = ""  # shown instead of "Username or password is wrong."

    def clean(self) -> dict:
        username = str(self.cleaned_data.get("username") or "")  # type: ignore[attr-defined]
        wait = throttle.blocked(self.request, "login", username)
        if wait:
            self.throttle_message = self.notice = throttle.message(wait)
            raise ValidationError(self.throttle_message, code="throttled")
        try:
            return super().clean()  # type: ignore[misc]
        except ValidationError as exc:
            if exc.code == "invalid_login":
                throttle.record(self.request, "login", username)
                self._explain_pending(username)
            raise

    def _explain_pending(self, username: str) -> None:
        """An account waiting for approval learns so, but only with its right password."""
        user = User.objects.filter(username=username, is_active=False).first()
        password = self.cleaned_data.get("password") or ""  # type: ignore[attr-defined]
        if user is not None and user.last_login is None and user.check_password(password):
            self.notice = str(
                _("Your account has not been approved yet. You will get an email when it is.")
            )
            raise ValidationError(self.notice, code="inactive")


class LoginForm(ThrottledLoginMixin, AuthenticationForm):
    """The app's log-in form."""


class AdminLoginForm(ThrottledLoginMixin, AdminAuthenticationForm):
    """The Django admin's log-in form, throttled like the app's."""


class SignupForm(StyledForm):
    """A new account. Taken names and addresses are not revealed here (see signup_request).

    `website` is a honeypot: hidden from people, filled in by bots.
    """

    first_name = forms.CharField(
        label=_("First name"), max_length=100, required=False, validators=[validate_user_name]
    )
    username = forms.RegexField(
        label=_("Username"),
        max_length=150,
        regex=r"^[\w.@+-]+$",
        error_messages={"invalid": _("Letters, digits and @.+-_ only.")},
    )
    email = forms.EmailField(label=_("Email"))
    password1 = forms.CharField(label=_("Password"), widget=forms.PasswordInput)
    password2 = forms.CharField(label=_("Password again"), widget=forms.PasswordInput)

    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def clean_email(self) -> str:
        return self.cleaned_data["email"].lower()

    @property
    def is_bot(self) -> bool:
        """The honeypot was filled in."""
        return bool(self.cleaned_data.get("website"))

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


@functools.cache
def time_zone_choices() -> list[tuple[str, list[tuple[str, str]]] | tuple[str, str]]:
    """Every IANA zone of the system's database, grouped by region (Europe, America, …);
    zones without a region (UTC) come first, ungrouped."""
    groups: dict[str, list[tuple[str, str]]] = {}
    single: list[tuple[str, str]] = []
    for zone in sorted(zoneinfo.available_timezones()):
        region, slash, place = zone.partition("/")
        if not slash:
            if zone == "UTC":
                single.append((zone, zone))
            continue  # legacy aliases such as "EST5EDT" or "Zulu"
        if region in ("Etc", "SystemV", "US", "Canada", "Brazil", "Chile", "Mexico"):
            continue  # aliases of the region names below
        groups.setdefault(region, []).append((zone, place.replace("_", " ")))
    return [*single, *groups.items()]


class PreferencesForm(StyledForm):
    """Profile: name, language and time zone (a picker of IANA zones)."""

    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    language = forms.ChoiceField(
        label=_("Language"), choices=[("de", "Deutsch"), ("en", "English")]
    )
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        choices=time_zone_choices,
        error_messages={"invalid_choice": _("Unknown time zone.")},
        help_text=_("Dates and times are shown in this zone; the digest is sent by it."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        current = (self.initial or {}).get("time_zone", "")
        field = self.fields["time_zone"]
        assert isinstance(field, forms.ChoiceField)
        if current and not field.valid_value(current) and is_valid_zone(current):
            field.choices = [(current, current), *time_zone_choices()]  # an alias kept as set

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
