"""Fixtures of the conversation and activation tests: a partner, a target list, helpers."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

BERLIN = ZoneInfo("Europe/Berlin")


def berlin(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=BERLIN)


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run on-commit hooks (follow-up refreshes) at the end of the block, as in production."""

    def block():
        return django_capture_on_commit_callbacks(execute=True)

    return block


@pytest.fixture
def acme(workspace):
    from kontaktpflege.contacts.services import organisation_create

    return organisation_create(workspace=workspace, name="Acme GmbH", is_target=True)


@pytest.fixture
def partner(make_person):
    """Dr. Julia Weber, formal German: the conversation partner."""
    return make_person(
        first_name="Julia",
        last_name="Weber",
        gender="f",
        academic_title="Dr.",
        language="de",
        form_of_address="sie",
        emails=["julia.weber@example.com"],
    )


@pytest.fixture
def other_target(charlie):
    """A target company of charlie's workspace."""
    from kontaktpflege.contacts.services import organisation_create

    return organisation_create(workspace=charlie.active_workspace, name="Fremd AG", is_target=True)
