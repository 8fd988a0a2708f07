"""Field validation shared by the web forms, the API and the importers.

Mail addresses are checked in kontaktpflege.core.mail (accounts need them too) and
re-exported here for the contacts side.
"""

from __future__ import annotations

import datetime as dt

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from kontaktpflege.core.mail import normalise_email as normalise_email
from kontaktpflege.core.mail import validate_mail_address as validate_mail_address
from kontaktpflege.core.text import has_control_chars, has_lone_surrogate, strip_invisible
from kontaktpflege.core.timeutils import EARLIEST_DATE, LATEST_DATE, in_date_range

DEFAULT_PHONE_REGION = "DE"


def clean_text(value: str | None, *, field: str, max_length: int, multiline: bool = False) -> str:
    """Trim text and reject NUL/control characters and overlong values with a field error."""
    text = (value or "").strip()
    if has_lone_surrogate(text):
        raise ValidationError({field: surrogate_message()})
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


def surrogate_message() -> str:
    """The error for text holding half of a UTF-16 pair, which no stored text may contain."""
    return _("Contains an invalid character (a lone UTF-16 surrogate).")


def date_range_message() -> str:
    """The error for a date outside the years anyone may store."""
    return _("Choose a date between %(first)s and %(last)s.") % {
        "first": EARLIEST_DATE.isoformat(),
        "last": LATEST_DATE.isoformat(),
    }


def validate_date_range(value: dt.date) -> None:
    """A form field validator: a date or datetime from 1900 to 2200."""
    if not in_date_range(value):
        raise ValidationError(date_range_message(), code="date_range")


def check_date(value: dt.date | None, *, field: str) -> None:
    """Refuse a date or datetime outside 1900–2200 with a field error (None passes)."""
    if value is not None and not in_date_range(value):
        raise ValidationError({field: date_range_message()})


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
