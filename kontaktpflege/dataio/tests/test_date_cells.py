"""Date cells of imports pass the shared validation: 1900–2200, like every other entry point."""

from __future__ import annotations

import datetime as dt

import pytest

from kontaktpflege.dataio.pipeline import CleanRow, clean_row
from kontaktpflege.dataio.rows import ImportRow

RANGE_ERROR = "Choose a date between 1900-01-01 and 2200-12-31."


@pytest.mark.parametrize("day", [dt.date(1, 1, 1), dt.date(1899, 12, 31)], ids=str)
def test_a_connection_date_out_of_range_makes_the_row_invalid(day):
    problems = clean_row(ImportRow(line=2, first_name="Anna", connected_on=day))
    assert problems == [f"Connected on: {RANGE_ERROR}"]


def test_a_connection_date_in_range_is_kept():
    row = clean_row(ImportRow(line=2, first_name="Anna", connected_on=dt.date(1900, 1, 1)))
    assert isinstance(row, CleanRow) and row.connected_on == dt.date(1900, 1, 1)
