"""The shared validation every interface and importer calls."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from kontaktpflege.contacts.validation import check_date, clean_text


@pytest.mark.parametrize("text", ["\ud800", "Anna \udfff", "\ud83d"])
def test_clean_text_refuses_lone_surrogates(text):
    with pytest.raises(ValidationError) as error:
        clean_text(text, field="first_name", max_length=100)
    assert error.value.message_dict == {
        "first_name": ["Contains an invalid character (a lone UTF-16 surrogate)."]
    }


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
