"""Fixtures of the follow-up tests."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run on-commit hooks (follow-up refreshes) at the end of the block, as in production."""

    def block():
        return django_capture_on_commit_callbacks(execute=True)

    return block


def berlin(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=BERLIN)
