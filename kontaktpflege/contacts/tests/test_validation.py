"""The shared validation every interface and importer calls."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError

from kontaktpflege.contacts.validation import (
    PhoneReading,
    check_date,
    clean_text,
    normalise_phone,
    read_phone,
)


@pytest.mark.parametrize("text", ["\ud800", "Anna \udfff", "\ud83d"])
def test_clean_text_refuses_lone_surrogates(text):
    with pytest.raises(ValidationError) as error:
        clean_text(text, field="first_name", max_length=100)
    assert error.value.message_dict == {
        "first_name": ["Contains an invalid character (a lone UTF-16 surrogate)."]
    }


@pytest.mark.parametrize(
    ("text", "multiline", "problem"),
    [
        ("An\x00na", False, "Contains a NUL byte, which is not allowed."),
        ("Anna\nBerg", False, "Must be a single line."),
        ("Anna\rBerg", False, "Must be a single line."),
        ("An\x07na", False, "Contains control characters, which are not allowed."),
        ("An\x1bna", True, "Contains control characters, which are not allowed."),
        ("Ä" * 11, False, "At most 10 characters (this has 11)."),
        ("Ä\u200d" * 6, False, "At most 10 characters (this has 12)."),
    ],
)
def test_clean_text_refuses_what_no_field_may_hold(text, multiline, problem):
    with pytest.raises(ValidationError) as error:
        clean_text(text, field="notes", max_length=10, multiline=multiline)
    assert error.value.message_dict == {"notes": [problem]}


@pytest.mark.parametrize(
    ("text", "multiline", "kept"),
    [
        (" Jörg Müller ", False, "Jörg Müller"),
        ("Ä" * 20, False, "Ä" * 20),
        ("Anna\tBerg", False, "Anna\tBerg"),
        ("Zeile 1\r\nZeile 2", True, "Zeile 1\r\nZeile 2"),
        ("Ä\u200dB", False, "Ä\u200dB"),
        ("", False, ""),
    ],
)
def test_clean_text_keeps_text_that_is_allowed(text, multiline, kept):
    assert clean_text(text, field="notes", max_length=20, multiline=multiline) == kept


def test_clean_text_keeps_characters_outside_the_basic_plane():
    assert clean_text(" 😀 Anna ", field="first_name", max_length=100) == "😀 Anna"


@pytest.mark.parametrize(
    "value",
    [
        dt.date(1899, 12, 31),
        dt.date(2201, 1, 1),
        dt.datetime(1, 1, 1, tzinfo=dt.UTC),
        dt.datetime(9999, 12, 31, 23, 59, tzinfo=dt.UTC),
        dt.datetime(2200, 12, 31, 23, 0, tzinfo=dt.timezone(dt.timedelta(hours=-14))),
    ],
    ids=str,
)
def test_check_date_refuses_dates_outside_1900_to_2200(value):
    with pytest.raises(ValidationError) as error:
        check_date(value, field="met_on")
    assert error.value.message_dict == {
        "met_on": ["Choose a date between 1900-01-01 and 2200-12-31."]
    }


@pytest.mark.parametrize(
    "value",
    [None, dt.date(1900, 1, 1), dt.date(2200, 12, 31), dt.datetime(2200, 12, 31, 23, 59)],
    ids=str,
)
def test_check_date_accepts_the_range_and_no_date(value):
    check_date(value, field="met_on")


@pytest.mark.parametrize(
    ("value", "region", "reading"),
    [
        ("+49 30 1234567", None, PhoneReading("+49301234567")),
        ("0049 30 1234567", None, PhoneReading("+49301234567")),
        ("tel:+49-30-1234567;ext=102", None, PhoneReading("+49301234567 ext. 102")),
        ("+49 30 1234567 x 12", None, PhoneReading("+49301234567 ext. 12")),
        ("2125551234", None, PhoneReading("2125551234", "no_prefix")),
        ("2125551234", "US", PhoneReading("+12125551234")),
        ("(111) 555-1111", "US", PhoneReading("(111) 555-1111", "invalid")),
        ("905-555-1234", None, PhoneReading("905-555-1234", "no_prefix")),
        ("+123456789", None, PhoneReading("+123456789", "invalid")),
        ("+1-800-MYFAX", None, PhoneReading("+1-800-MYFAX", "invalid")),
        ("  0170\t1234567 ", None, PhoneReading("0170 1234567", "no_prefix")),
    ],
)
def test_read_phone_gives_e164_only_when_certain(value, region, reading):
    assert read_phone(value, region=region) == reading


@pytest.mark.parametrize("value", ["call me maybe", "", "0170\x07123", "1" * 40])
def test_read_phone_refuses_what_is_no_phone_number(value):
    with pytest.raises(ValidationError):
        read_phone(value)


def test_a_number_typed_without_country_code_keeps_its_spelling():
    assert normalise_phone("0170 1234567") == "0170 1234567"
    assert normalise_phone("+49 170 1234567") == "+491701234567"


@pytest.mark.parametrize("value", ["12", "+49 12", "1-800-MYFAX", "call me"])
def test_a_typed_number_that_cannot_be_one_is_refused(value):
    with pytest.raises(ValidationError, match="phone number"):
        normalise_phone(value)


_COUNTRY_NAMES_ON_DEMAND = """
import sys
import django

django.setup()
import kontaktpflege.contacts.services, kontaktpflege.dataio.services, kontaktpflege.dataio.tasks
from kontaktpflege.contacts.validation import phone_country_choices, read_phone
from django.utils import translation

read_phone("+49 30 1234567", field="phone", region=None)
print("before", "phonenumbers.geodata" in sys.modules)
with translation.override("de"):
    print("de", dict(phone_country_choices())["DE"])
print("after", "phonenumbers.geodata" in sys.modules)
"""


def test_country_names_for_phone_numbers_load_only_when_the_import_form_asks(tmp_path):
    """Phone numbers are read without the geocoder's world-wide prefix data (about 100 MB in
    every worker); the import form's country menu still names the countries."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"}
    env["KP_SQLITE_PATH"] = str(tmp_path / "db.sqlite3")
    env.pop("KP_DATABASE_URL", None)
    run = subprocess.run(
        [sys.executable, "-c", _COUNTRY_NAMES_ON_DEMAND],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert run.stdout.splitlines() == ["before False", "de Deutschland (+49)", "after True"]
