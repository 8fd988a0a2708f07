"""Field validation shared by the web forms, the API and the importers.

Mail addresses are checked in kontaktpflege.core.mail (accounts need them too) and
re-exported here for the contacts side.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _

from kontaktpflege.core.mail import normalise_email as normalise_email
from kontaktpflege.core.mail import validate_mail_address as validate_mail_address
from kontaktpflege.core.text import has_control_chars, has_lone_surrogate, strip_invisible
from kontaktpflege.core.timeutils import EARLIEST_DATE, LATEST_DATE, in_date_range


def clean_text(value: str | None, *, field: str, max_length: int, multiline: bool = False) -> str:
    """Trim text and reject NUL/control characters and overlong values with a field error."""
    text = (value or "").strip()
    if text.isprintable():
        # No control character, line break, NUL or surrogate can be in printable text.
        if len(text) <= max_length:
            return text
    elif has_lone_surrogate(text):
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


# A phone number is stored in E.164 only when that is certain: an explicit + or 00 prefix
# (or a country the user chose for an import) and a number valid in that country's plan.
# Anything else is kept as written: a country code is never invented (issue #10).
PHONE_MAX_LENGTH = 32
_PHONE_TYPED = re.compile(r"^[\d\s+\-/().]+$")
_EXTENSION = re.compile(
    r"\s*(?:;\s*ext=|,?\s*(?:ext\.?|extension|x|durchwahl|dw\.?)\s*)(\d{1,10})$", re.IGNORECASE
)


@dataclass(frozen=True)
class PhoneReading:
    """A phone number as it will be stored, and whether it was normalised.

    `kind` is "" for E.164 (certain), "no_prefix" for a number without a country code and
    "invalid" for one whose country code is given but whose digits fit no number there;
    the last two are stored as written.
    """

    number: str
    kind: str = ""


def split_extension(text: str) -> tuple[str, str]:
    """A number and its extension: "tel:+49-30-1234567;ext=102", "… ext. 102" or "… x102"
    → ("+49-30-1234567", "102")."""
    if text[:4].lower() == "tel:":
        text = text[4:]
        number, _sep, params = text.partition(";")
        ext = next(
            (p[4:] for p in params.split(";") if p[:4].lower() == "ext=" and p[4:].isdigit()), ""
        )
        return number.strip(), ext
    match = _EXTENSION.search(text)
    if match and match.start() > 0:
        return text[: match.start()].strip(), match.group(1)
    return text, ""


def read_phone(value: str, *, field: str = "phones", region: str | None = None) -> PhoneReading:
    """Read a phone number for storage; E.164 only when certain, else as written.

    Raises a field error only for what is no phone number at all (no digit, control
    characters, longer than the 32 characters a number may have).
    """
    raw = " ".join(strip_invisible(value).split())
    number, ext = split_extension(raw)
    if not any(c.isdigit() for c in number) or has_control_chars(raw):
        raise ValidationError(
            {field: _("“%(value)s” is not a phone number.") % {"value": raw[:60]}}
        )
    suffix = f" ext. {ext}" if ext else ""
    written = number + suffix
    if number.startswith("00"):
        number = "+" + number[2:]
    if not (number.startswith("+") or region):
        return _as_written(written, "no_prefix", field)
    try:
        parsed = phonenumbers.parse(number, None if number.startswith("+") else region)
    except phonenumbers.NumberParseException:
        return _as_written(written, "invalid", field)
    if not phonenumbers.is_valid_number(parsed):
        return _as_written(written, "invalid", field)
    ext = ext or parsed.extension or ""
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return PhoneReading(e164 + (f" ext. {ext}" if ext else ""))


def _as_written(number: str, kind: str, field: str) -> PhoneReading:
    if len(number) > PHONE_MAX_LENGTH:
        raise ValidationError(
            {
                field: _(
                    "“%(value)s” is longer than %(max)d characters, too long for a phone number."
                )
                % {"value": number[:60], "max": PHONE_MAX_LENGTH}
            }
        )
    return PhoneReading(number, kind)


def normalise_phone(value: str, *, field: str = "phones", region: str | None = None) -> str:
    """A phone number typed by hand: E.164 with a country code, else kept as typed.

    A number with a + or 00 prefix must be valid in that country; one without a prefix is
    kept as written (no country code is invented) if it looks like a number.
    """
    reading = read_phone(value, field=field, region=region)
    digits = sum(c.isdigit() for c in reading.number)
    typed = _PHONE_TYPED.match(split_extension(reading.number)[0])
    if reading.kind == "invalid" or (reading.kind == "no_prefix" and (digits < 3 or not typed)):
        raise ValidationError(
            {field: _("“%(value)s” is not a valid phone number.") % {"value": value.strip()[:60]}}
        )
    return reading.number


@functools.cache
def _phone_countries(language: str) -> tuple[tuple[str, str], ...]:
    # Imported here, on the first use: the geocoder loads phonenumbers' prefix descriptions
    # for the whole world (about 100 MB and 1 s) to name the countries. Only the import form
    # asks for them; workers and commands never need them.
    import phonenumbers.geocoder

    choices = []
    for region in phonenumbers.SUPPORTED_REGIONS:
        example = phonenumbers.example_number(region)
        name = phonenumbers.geocoder.country_name_for_number(example, language) if example else ""
        code = phonenumbers.country_code_for_region(region)
        choices.append((region, f"{name or region} (+{code})"))
    return tuple(sorted(choices, key=lambda c: c[1].casefold()))


def phone_country_choices() -> list[tuple[str, str]]:
    """Countries an import's numbers without a country code may belong to, by name."""
    return list(_phone_countries((translation.get_language() or "en")[:2]))


def check_phone_country(value: str | None) -> str:
    """The country (ISO code) chosen for numbers without a country code, or ""."""
    code = (value or "").strip().upper()
    if code and code not in phonenumbers.SUPPORTED_REGIONS:
        raise ValidationError(
            {"phone_country": _("“%(value)s” is not a known country.") % {"value": code[:10]}}
        )
    return code


def tel_uri(number: str) -> str:
    """A `tel:` link for a stored number: an E.164 number as it is, a number kept as
    written reduced to its digits (and a leading +)."""
    digits = "".join(c for c in number if c.isdigit())
    return "tel:" + ("+" if number.strip().startswith("+") else "") + digits


def format_phone(e164: str) -> str:
    """Show an E.164 number in international format."""
    try:
        return phonenumbers.format_number(
            phonenumbers.parse(e164), phonenumbers.PhoneNumberFormat.INTERNATIONAL
        )
    except phonenumbers.NumberParseException:
        return e164
