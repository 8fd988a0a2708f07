"""Field validation shared by the web forms, the API and the importers."""

from __future__ import annotations

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from kontaktpflege.core.text import has_control_chars, strip_invisible

DEFAULT_PHONE_REGION = "DE"


def clean_text(value: str | None, *, field: str, max_length: int, multiline: bool = False) -> str:
    """Trim text and reject NUL/control characters and overlong values with a field error."""
    text = (value or "").strip()
    if "\x00" in text:
        raise ValidationError({field: _("Contains a NUL byte, which is not allowed.")})
    if not multiline and ("\n" in text or "\r" in text):
        raise ValidationError({field: _("Must be a single line.")})
    check = text.replace("\n", "").replace("\r", "").replace("\t", "")
    if has_control_chars(check):
        raise ValidationError({field: _("Contains control characters, which are not allowed.")})
    if len(text) > max_length:
        raise ValidationError(
            {
                field: _("At most %(max)d characters (this has %(n)d).")
                % {"max": max_length, "n": len(text)}
            }
        )
    return text


def validate_mail_address(value: str) -> None:
    """An address mail may go to: valid syntax and a host name, never an IP literal.

    Django accepts `root@[10.0.0.5]`; our mail server would relay to that host, so every
    place that accepts or sends to a recipient refuses it here.
    """
    validate_email(value)
    domain = value.rpartition("@")[2]
    if domain.startswith("["):
        raise ValidationError(
            _("Mail to an IP address (%(domain)s) is not allowed; use a domain name.")
            % {"domain": domain[:60]},
            code="ip_literal",
        )


def normalise_email(value: str, *, field: str = "emails") -> str:
    """Validate an email address and lower-case it for matching."""
    email = strip_invisible(value).lower()
    try:
        validate_mail_address(email)
    except ValidationError as exc:
        if exc.code == "ip_literal":
            raise ValidationError({field: exc.messages}) from exc
        raise ValidationError(
            {field: _("“%(value)s” is not a valid email address.") % {"value": value[:100]}}
        ) from exc
    return email


def normalise_phone(
    value: str, *, field: str = "phones", region: str = DEFAULT_PHONE_REGION
) -> str:
    """Parse a phone number and return it in E.164, or raise a field error."""
    raw = strip_invisible(value)
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(
            {field: _("“%(value)s” is not a phone number.") % {"value": raw[:60]}}
        ) from exc
    if not phonenumbers.is_possible_number(number) or not phonenumbers.is_valid_number(number):
        raise ValidationError(
            {field: _("“%(value)s” is not a valid phone number.") % {"value": raw[:60]}}
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def format_phone(e164: str) -> str:
    """Show an E.164 number in international format."""
    try:
        return phonenumbers.format_number(
            phonenumbers.parse(e164), phonenumbers.PhoneNumberFormat.INTERNATIONAL
        )
    except phonenumbers.NumberParseException:
        return e164
